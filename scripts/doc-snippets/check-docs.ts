import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { exportsToPaths, type PathsMap } from './exports-to-paths.js';
import { checkBlockText, type DocCheckFailure } from './check-block-text.js';
import {
  extractCodeBlocks,
  isBrowserBlock,
  isTypeScriptBlock,
  type CodeBlock,
} from './extract-code-blocks.js';
import { runSnippet } from './run-snippet.js';
import {
  createSnippetWorkspace,
  removeSnippetWorkspace,
  snippetFileName,
  type SnippetWorkspace,
} from './snippet-workspace.js';
import { typeCheckSnippets } from './type-check-snippets.js';

export type { DocCheckFailure } from './check-block-text.js';

/** What a check looked at and what it found. */
export interface DocCheckReport {
  files: number;
  blocks: number;
  typeScriptBlocks: number;
  typeChecked: number;
  optedOut: number;
  run: number;
  ignoredOutsideSnippets: number;
  failures: DocCheckFailure[];
}

/** Options of `checkDocs`. */
export interface CheckDocsOptions {
  /** The package root: package.json, tsconfig.json and node_modules live here. */
  repoRoot: string;
  /** Markdown files to check, absolute or relative to `repoRoot`. */
  markdownFiles: readonly string[];
  /** How long a `ts run` snippet may take before it is killed. */
  runTimeoutMs: number;
  /** Keep the temp workspace (its path is logged) to look at the generated files. */
  keepWorkspace?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Kills a running snippet and runs no further ones. */
  signal?: AbortSignal;
}

/** The package's `paths` map from package.json, plus a failure for each export whose source is missing. */
export async function loadPackagePaths(
  repoRoot: string,
): Promise<{ paths: PathsMap; failures: DocCheckFailure[] }> {
  const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    name?: unknown;
    exports?: unknown;
  };
  if (typeof manifest.name !== 'string') throw new Error('package.json has no "name"');
  const paths = exportsToPaths(manifest.name, manifest.exports);
  const failures: DocCheckFailure[] = [];
  for (const [specifier, [target]] of Object.entries(paths)) {
    if (target === undefined || target.includes('*') || existsSync(resolve(repoRoot, target))) continue;
    failures.push({
      location: 'package.json',
      message: `export "${specifier}" maps to ${target}, which does not exist`,
    });
  }
  return { paths, failures };
}

const runBlocks = async (
  workspace: SnippetWorkspace,
  blocks: readonly CodeBlock[],
  options: CheckDocsOptions,
): Promise<DocCheckFailure[]> => {
  const failures: DocCheckFailure[] = [];
  for (const block of blocks) {
    if (options.signal?.aborted === true) break;
    const fileName = snippetFileName(block);
    const cwd = join(workspace.directory, 'runs', fileName.replace(/\.ts$/, ''));
    await mkdir(cwd);
    options.log?.(`run ${block.file}:${block.fenceLine}`);
    const result = await runSnippet({
      file: join(workspace.directory, fileName),
      tsconfigPath: workspace.tsconfigPath,
      cwd,
      timeoutMs: options.runTimeoutMs,
      signal: options.signal,
    });
    const location = `${block.file}:${block.fenceLine}`;
    if (result.timedOut) {
      const seconds = options.runTimeoutMs / 1000;
      failures.push({
        location,
        message: `ts run snippet did not exit within ${seconds} s; killed`,
        output: result.output,
      });
    } else if (result.exitCode !== 0) {
      const how =
        result.exitCode === null
          ? `was killed by ${result.signalName ?? 'a signal'}`
          : `exited with ${result.exitCode}`;
      failures.push({ location, message: `ts run snippet ${how}`, output: result.output });
    }
  }
  return failures;
};

/**
 * Checks the code blocks of the given markdown files: every block is ASCII only; every
 * TypeScript block not marked `no-check` type-checks as its own module against the sources
 * (```tsx ones as browser code); every ```ts block marked `run` then runs with tsx, without
 * provider credentials, and must exit 0.
 */
export async function checkDocs(options: CheckDocsOptions): Promise<DocCheckReport> {
  const blocks: CodeBlock[] = [];
  for (const file of options.markdownFiles) {
    const absolute = resolve(options.repoRoot, file);
    const display = relative(options.repoRoot, absolute);
    blocks.push(...extractCodeBlocks(await readFile(absolute, 'utf8'), display));
  }
  const failures = blocks.flatMap(checkBlockText);
  const typeScript = blocks.filter(isTypeScriptBlock);
  const toCheck = typeScript.filter((block) => !block.markers.includes('no-check'));
  const { paths, failures: pathFailures } = await loadPackagePaths(options.repoRoot);
  failures.push(...pathFailures);
  const report: DocCheckReport = {
    files: options.markdownFiles.length,
    blocks: blocks.length,
    typeScriptBlocks: typeScript.length,
    typeChecked: toCheck.length,
    optedOut: typeScript.length - toCheck.length,
    run: 0,
    ignoredOutsideSnippets: 0,
    failures,
  };
  if (toCheck.length === 0) return report;
  const workspace = await createSnippetWorkspace(options.repoRoot, paths, toCheck);
  try {
    options.log?.(`type-checking ${toCheck.length} snippets in ${workspace.directory}`);
    const checked = typeCheckSnippets(workspace);
    report.ignoredOutsideSnippets = checked.ignoredOutsideSnippets;
    failures.push(...checked.diagnostics.map(({ location, message }) => ({ location, message })));
    const broken = new Set(checked.diagnostics.map((diagnostic) => diagnostic.block));
    const runnable = toCheck.filter(
      (block) => block.markers.includes('run') && !isBrowserBlock(block) && !broken.has(block),
    );
    failures.push(...(await runBlocks(workspace, runnable, options)));
    report.run = runnable.length;
    return report;
  } finally {
    if (options.keepWorkspace === true) options.log?.(`kept ${workspace.directory}`);
    else await removeSnippetWorkspace(workspace);
  }
}
