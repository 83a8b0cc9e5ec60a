import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDocs, type DocCheckReport } from './check-docs.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fence = '```';

/** One document with a block for each behaviour; the check runs once (type checks are slow). */
const FIXTURE = [
  '# Fixture', // 1
  '', // 2
  `${fence}ts run`, // 3
  "import { createAgent } from 'ai-agent-gateway';", // 4
  "import { textTurn } from 'ai-agent-gateway/testing';", // 5
  "const visible = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY'].filter((name) => process.env[name] !== undefined);", // 6
  "if (visible.length > 0) throw new Error(`credentials visible: ${visible.join(', ')}`);", // 7
  "await createAgent({ systemPrompt: 'You help.' }).close();", // 8
  "console.log(textTurn('done').blocks.length);", // 9
  fence, // 10
  '', // 11
  `${fence}ts`, // 12
  'const count: number = 1;', // 13
  'const name: string = count;', // 14
  fence, // 15
  '', // 16
  `${fence}ts no-check`, // 17
  'this is not TypeScript at all', // 18
  fence, // 19
  '', // 20
  `${fence}ts run`, // 21
  "console.log('about to fail');", // 22
  'process.exit(4);', // 23
  fence, // 24
  '', // 25
  `${fence}sh`, // 26
  'echo \u201Cquoted\u201D', // 27
  fence, // 28
  '', // 29
  `${fence}ts runn`, // 30
  'export const value = 1;', // 31
  fence, // 32
  '', // 33
  `${fence}tsx`, // 34
  "import { useState } from 'react';", // 35
  'export function Title() {', // 36
  '  const [title] = useState(document.title);', // 37
  '  return <h1>{title}</h1>;', // 38
  '}', // 39
  fence, // 40
  '', // 41
  `${fence}tsx`, // 42
  'const title: number = document.title;', // 43
  'process.exit(title);', // 44
  fence, // 45
  '', // 46
  `${fence}tsx run`, // 47
  "console.log('never run');", // 48
  fence, // 49
].join('\n');

describe('checkDocs', () => {
  let directory: string;
  let file: string;
  let report: DocCheckReport;
  const previousKey = process.env.ANTHROPIC_API_KEY;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'doc-snippets-test-'));
    const path = join(directory, 'fixture.md');
    await writeFile(path, FIXTURE);
    file = relative(repoRoot, path);
    process.env.ANTHROPIC_API_KEY = 'sk-ant-must-not-reach-snippets';
    try {
      report = await checkDocs({ repoRoot, markdownFiles: [path], runTimeoutMs: 60_000 });
    } finally {
      if (previousKey === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = previousKey;
    }
  }, 300_000);

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** Messages of the failures located on markdown lines `first` to `last`. */
  const failuresAt = (first: number, last = first): string[] =>
    report.failures
      .filter((failure) => {
        const line = Number(/^.*\.md:(\d+)/.exec(failure.location)?.[1]);
        return failure.location.startsWith(`${file}:`) && line >= first && line <= last;
      })
      .map((failure) => failure.message);

  it('counts the blocks it checked, opted out and ran', () => {
    expect(report).toMatchObject({
      files: 1,
      blocks: 9,
      typeScriptBlocks: 8,
      typeChecked: 7,
      optedOut: 1,
      run: 2,
    });
  });

  it('runs a snippet importing the package and a subpath from the sources, without credentials', () => {
    expect(failuresAt(3, 10)).toEqual([]);
  });

  it('reports a type error at its line and column in the markdown file', () => {
    expect(report.failures.map((failure) => failure.location)).toContain(`${file}:14:7`);
    expect(failuresAt(14).join('\n')).toMatch(/TS2322: Type 'number' is not assignable to type 'string'/);
  });

  it('does not type-check a block marked no-check', () => {
    expect(failuresAt(17, 19)).toEqual([]);
  });

  it('fails a run that exits non-zero and keeps what it printed', () => {
    const failure = report.failures.find((each) => each.location === `${file}:21`);
    expect(failure?.message).toBe('ts run snippet exited with 4');
    expect(failure?.output).toContain('about to fail');
  });

  it('fails non-ASCII in a code block of any language', () => {
    expect(failuresAt(27)).toEqual([
      `non-ASCII in a code block: U+201C '\u201C', U+201D '\u201D'; write a straight quote " instead`,
    ]);
  });

  it('fails an unknown marker on a TypeScript fence', () => {
    expect(failuresAt(30)).toEqual(["unknown marker 'runn' on a TypeScript fence (known: no-check, run)"]);
  });

  it('type-checks a tsx block as browser code: JSX and the DOM, no Node globals', () => {
    expect(failuresAt(34, 40)).toEqual([]);
    expect(failuresAt(43).join('\n')).toMatch(/TS2322: Type 'string' is not assignable to type 'number'/);
    expect(failuresAt(44).join('\n')).toMatch(/TS25\d\d: Cannot find name 'process'/);
  });

  it('refuses to run a tsx block', () => {
    expect(failuresAt(47, 49)).toEqual(['a tsx block is browser code and cannot be run']);
  });

  it('reports nothing else', () => {
    expect(report.failures).toHaveLength(7);
  });
});
