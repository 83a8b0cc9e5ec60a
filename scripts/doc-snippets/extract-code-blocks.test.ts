import { describe, expect, it } from 'vitest';
import {
  extractCodeBlocks,
  isBrowserBlock,
  isTypeScriptBlock,
  unknownMarkers,
} from './extract-code-blocks.js';

const markdown = (lines: string[]): string => lines.join('\n');

describe('extractCodeBlocks', () => {
  it('reads the language, the markers and where the code starts', () => {
    const blocks = extractCodeBlocks(
      markdown([
        '# Title',
        '',
        '```ts run',
        "console.log('hi');",
        '```',
        '',
        '```TypeScript no-check',
        'x',
        '```',
      ]),
      'README.md',
    );
    expect(blocks).toEqual([
      {
        file: 'README.md',
        fenceLine: 3,
        codeLine: 4,
        language: 'ts',
        markers: ['run'],
        code: "console.log('hi');\n",
        unclosed: false,
      },
      {
        file: 'README.md',
        fenceLine: 7,
        codeLine: 8,
        language: 'typescript',
        markers: ['no-check'],
        code: 'x\n',
        unclosed: false,
      },
    ]);
  });

  it('keeps shorter fences inside a longer one as code', () => {
    const blocks = extractCodeBlocks(markdown(['````md', '```ts', 'const a = 1;', '```', '````']), 'doc.md');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.language).toBe('md');
    expect(blocks[0]?.code).toBe('```ts\nconst a = 1;\n```\n');
  });

  it('closes a tilde fence only with tildes', () => {
    const blocks = extractCodeBlocks(markdown(['~~~sh', '```', 'echo hi', '~~~']), 'doc.md');
    expect(blocks.map((block) => block.code)).toEqual(['```\necho hi\n']);
  });

  it('does not take a closing fence with an info string for the end', () => {
    const blocks = extractCodeBlocks(markdown(['```ts', 'a', '```ts', 'b', '```']), 'doc.md');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.code).toBe('a\n```ts\nb\n');
  });

  it('removes the fence indentation from the code', () => {
    const blocks = extractCodeBlocks(
      markdown(['  ```ts', '  const a = 1;', '    nested();', '  ```']),
      'doc.md',
    );
    expect(blocks[0]?.code).toBe('const a = 1;\n  nested();\n');
  });

  it('marks a block the document never closes', () => {
    const blocks = extractCodeBlocks(markdown(['text', '```ts', 'const a = 1;']), 'doc.md');
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.unclosed).toBe(true);
    expect(blocks[0]?.fenceLine).toBe(2);
  });

  it('ignores inline code and four-space indented code', () => {
    const blocks = extractCodeBlocks(
      markdown(['Use ```ts `x` ``` inline.', '', '    ```ts', '    code']),
      'doc.md',
    );
    expect(blocks).toEqual([]);
  });
});

describe('isTypeScriptBlock and unknownMarkers', () => {
  it('treats ts, typescript and tsx fences as TypeScript, nothing else; tsx ones as browser code', () => {
    const [ts, typescript, tsx, plain] = extractCodeBlocks(
      markdown(['```ts', '```', '```typescript', '```', '```tsx', '```', '```', '```']),
      'doc.md',
    );
    expect(
      [ts, typescript, tsx, plain].map((block) => block !== undefined && isTypeScriptBlock(block)),
    ).toEqual([true, true, true, false]);
    expect([ts, typescript, tsx, plain].map((block) => block !== undefined && isBrowserBlock(block))).toEqual(
      [false, false, true, false],
    );
  });

  it('names markers that are misspelled', () => {
    const [block] = extractCodeBlocks(markdown(['```ts runn no-check', '```']), 'doc.md');
    expect(block === undefined ? [] : unknownMarkers(block)).toEqual(['runn']);
  });
});
