/** Fence markers a TypeScript block may carry after its language: `ts no-check`, `ts run`. */
export const SNIPPET_MARKERS = ['no-check', 'run'] as const;

/** A marker on a TypeScript fence line. */
export type SnippetMarker = (typeof SNIPPET_MARKERS)[number];

/** One fenced code block of a markdown file. */
export interface CodeBlock {
  /** The markdown file, as given to `extractCodeBlocks`. */
  file: string;
  /** 1-based line of the opening fence. */
  fenceLine: number;
  /** 1-based line of the first line of code (the line after the fence). */
  codeLine: number;
  /** First word of the fence's info string, lower-cased (`''` when there is none). */
  language: string;
  /** The remaining words of the info string (`no-check`, `run`, ...). */
  markers: string[];
  /** The code between the fences, without the fence's indentation, ending with a newline. */
  code: string;
  /** True when the document ended before a closing fence. */
  unclosed: boolean;
}

interface OpenFence {
  character: '`' | '~';
  length: number;
  indent: number;
  fenceLine: number;
  info: string;
  lines: string[];
}

const OPENING_FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

const closesFence = (line: string, fence: OpenFence): boolean => {
  const match = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  const run = match?.[1];
  return run !== undefined && run[0] === fence.character && run.length >= fence.length;
};

const toBlock = (file: string, fence: OpenFence, unclosed: boolean): CodeBlock => {
  const [language = '', ...markers] = fence.info.trim().split(/\s+/).filter(Boolean);
  const code = fence.lines.map((line) => line.replace(new RegExp(`^ {0,${fence.indent}}`), '')).join('\n');
  return {
    file,
    fenceLine: fence.fenceLine,
    codeLine: fence.fenceLine + 1,
    language: language.toLowerCase(),
    markers,
    code: code === '' ? '' : `${code}\n`,
    unclosed,
  };
};

/**
 * Finds the fenced code blocks of a markdown document the way CommonMark does: a fence is three
 * or more backticks or tildes indented by at most three spaces, and only a run of the same
 * character at least as long closes it, so a ```` fence can hold ``` lines as plain text.
 * Indented (four-space) code blocks are not fenced and are not returned.
 */
export function extractCodeBlocks(markdown: string, file: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: OpenFence | undefined;
  const lines = markdown.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (open !== undefined) {
      if (closesFence(line, open)) {
        blocks.push(toBlock(file, open, false));
        open = undefined;
      } else {
        open.lines.push(line);
      }
      return;
    }
    const match = OPENING_FENCE.exec(line);
    const [, indent = '', run = '', info = ''] = match ?? [];
    if (match === null || (run.startsWith('`') && info.includes('`'))) return;
    open = {
      character: run.startsWith('`') ? '`' : '~',
      length: run.length,
      indent: indent.length,
      fenceLine: index + 1,
      info,
      lines: [],
    };
  });
  if (open !== undefined) blocks.push(toBlock(file, open, true));
  return blocks;
}

/** True for the blocks this check treats as TypeScript (```ts, ```typescript and ```tsx). */
export function isTypeScriptBlock(block: CodeBlock): boolean {
  return block.language === 'ts' || block.language === 'typescript' || isBrowserBlock(block);
}

/**
 * True for ```tsx blocks: browser code (React components), type-checked with the DOM library and
 * `jsx: react-jsx` instead of Node's types, and never run.
 */
export function isBrowserBlock(block: Pick<CodeBlock, 'language'>): boolean {
  return block.language === 'tsx';
}

/** Markers on a TypeScript fence that this check does not know (a typo would silently skip a run). */
export function unknownMarkers(block: CodeBlock): string[] {
  return block.markers.filter((marker) => !(SNIPPET_MARKERS as readonly string[]).includes(marker));
}
