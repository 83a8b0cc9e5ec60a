import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isBrowserBlock, type CodeBlock } from './extract-code-blocks.js';
import type { PathsMap } from './exports-to-paths.js';

/** A temporary directory holding one module per snippet and the tsconfig that checks and runs them. */
export interface SnippetWorkspace {
  directory: string;
  /** Checks the `.ts` snippets (the project's options) and runs them. */
  tsconfigPath: string;
  /** Checks the `.tsx` snippets as browser code (DOM, JSX, no Node types); none without them. */
  browserTsconfigPath: string | undefined;
  /** Snippet module file name (no directory) to the block it was written from. */
  blocksByFileName: Map<string, CodeBlock>;
}

/**
 * `docs/headless.md` line 8 becomes `docs_headless_md_L8.ts` (`.tsx` for a tsx block): unique,
 * and says where it came from.
 */
export function snippetFileName(block: Pick<CodeBlock, 'file' | 'fenceLine' | 'language'>): string {
  const extension = isBrowserBlock(block) ? 'tsx' : 'ts';
  return `${block.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.fenceLine}.${extension}`;
}

/** `paths` whose `./src/...` targets are made absolute, so they hold from any directory. */
export function absolutePaths(repoRoot: string, paths: PathsMap): PathsMap {
  return Object.fromEntries(
    Object.entries(paths).map(([specifier, targets]) => [
      specifier,
      targets.map((target) => resolve(repoRoot, target)),
    ]),
  );
}

/**
 * Writes each block to its own module in a fresh directory under the OS temp dir, next to a
 * `package.json` marking it ESM, a `node_modules` link to the repository's (so `zod` or
 * `node:` types resolve as in the project) and a `tsconfig.json` that extends the project's
 * (strict, NodeNext) with `paths` pointing the package name at the sources. tsx reads the same
 * tsconfig, so a run resolves imports exactly as the type check did. ```tsx blocks get their own
 * `tsconfig.browser.json` extending it (DOM and JSX instead of Node's types).
 */
export async function createSnippetWorkspace(
  repoRoot: string,
  paths: PathsMap,
  blocks: readonly CodeBlock[],
): Promise<SnippetWorkspace> {
  const directory = await mkdtemp(join(tmpdir(), 'doc-snippets-'));
  const blocksByFileName = new Map(blocks.map((block) => [snippetFileName(block), block]));
  await writeFile(join(directory, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  await symlink(join(repoRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
  for (const [fileName, block] of blocksByFileName) await writeFile(join(directory, fileName), block.code);
  const tsconfig = {
    extends: join(repoRoot, 'tsconfig.json'),
    compilerOptions: {
      paths: absolutePaths(repoRoot, paths),
      // Every snippet is its own module, even one without import or export.
      moduleDetection: 'force',
      noEmit: true,
    },
    files: [...blocksByFileName].filter(([, block]) => !isBrowserBlock(block)).map(([name]) => name),
    include: [],
  };
  const tsconfigPath = join(directory, 'tsconfig.json');
  await writeFile(tsconfigPath, `${JSON.stringify(tsconfig, null, 2)}\n`);
  const browserFiles = [...blocksByFileName]
    .filter(([, block]) => isBrowserBlock(block))
    .map(([name]) => name);
  let browserTsconfigPath: string | undefined;
  if (browserFiles.length > 0) {
    // The same paths and strictness, for a page: DOM instead of Node's globals, React's JSX.
    const browserTsconfig = {
      extends: './tsconfig.json',
      compilerOptions: { lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], jsx: 'react-jsx' },
      files: browserFiles,
      include: [],
    };
    browserTsconfigPath = join(directory, 'tsconfig.browser.json');
    await writeFile(browserTsconfigPath, `${JSON.stringify(browserTsconfig, null, 2)}\n`);
  }
  await mkdir(join(directory, 'runs'));
  return { directory, tsconfigPath, browserTsconfigPath, blocksByFileName };
}

/** Removes the workspace (the `node_modules` link, not what it points to). */
export async function removeSnippetWorkspace(workspace: SnippetWorkspace): Promise<void> {
  await rm(workspace.directory, { recursive: true, force: true });
}
