import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RUN_USAGE, SERVE_USAGE } from '../src/cli/cli-usage.js';

/*
 * README's CLI block against the CLI's own help: every command and every option of `serve` and
 * `run` that the help lists is in the README, and the README names none the CLI lacks.
 */

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

/** The README's `## CLI` code block. */
const cliBlock = (): string => {
  const section = readme.slice(readme.indexOf('\n## CLI\n'));
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README has no CLI block');
  return block;
};

/** The `--options` of `text`, without --help and --version (listed once for every command). */
const optionsOf = (text: string): string[] =>
  [...new Set(text.match(/--[a-z][a-z0-9-]*/g) ?? [])]
    .filter((name) => name !== '--help' && name !== '--version')
    .sort();

/** The lines of the README block that belong to `command` (its line and its continuations). */
const linesOf = (block: string, command: string): string => {
  const lines = block.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`agent-gateway ${command} `));
  if (start === -1) return '';
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('agent-gateway '));
  return [lines[start], ...(end === -1 ? rest : rest.slice(0, end))].join('\n');
};

describe("README's CLI block", () => {
  it('names every command the CLI has', () => {
    for (const command of ['serve', 'run', 'init']) expect(cliBlock()).toContain(`agent-gateway ${command} `);
  });

  it('lists exactly the options of serve and of run that their --help lists', () => {
    expect(optionsOf(linesOf(cliBlock(), 'serve'))).toEqual(optionsOf(SERVE_USAGE));
    expect(optionsOf(linesOf(cliBlock(), 'run'))).toEqual(optionsOf(RUN_USAGE));
  });

  it('starts a project with the package name: in an empty folder npx knows no agent-gateway', () => {
    expect(readme).toContain('npx ai-agent-gateway init');
    expect(readme).not.toContain('npx agent-gateway init');
  });

  it('claims nothing of npm install that package.json does not do', async () => {
    const scripts = (
      JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    if (scripts['prepare'] === undefined) expect(readme).not.toMatch(/npm install\s+#.*builds dist/);
  });
});
