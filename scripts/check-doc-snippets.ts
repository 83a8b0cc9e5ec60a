/**
 * `npm run docs:check`: the code in README.md, docs/**\/*.md and examples/*\/README.md is ASCII,
 * every TypeScript block type-checks against the sources, and blocks marked `ts run` run to
 * completion with the stub provider. Usage: `tsx scripts/check-doc-snippets.ts [--keep] [--timeout SECONDS] [FILE.md...]`.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDocs } from './doc-snippets/check-docs.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * README.md, every markdown file under docs/ and the README of every example (each is the README
 * of a project `agent-gateway init` makes), sorted, relative to the repository.
 */
async function listDocFiles(): Promise<string[]> {
  const underDocs = await readdir(join(repoRoot, 'docs'), { recursive: true });
  const docs = underDocs.filter((name) => name.endsWith('.md')).map((name) => join('docs', name));
  const examples = (await readdir(join(repoRoot, 'examples'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && /^\d/.test(entry.name))
    .map((entry) => join('examples', entry.name, 'README.md'));
  return ['README.md', ...docs.sort(), ...examples.sort()];
}

const { values, positionals } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, timeout: { type: 'string', default: '30' } },
  allowPositionals: true,
});
const timeoutSeconds = Number(values.timeout);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  throw new Error(`--timeout must be a positive number of seconds, got ${values.timeout}`);
}

// Snippets run in their own process group, out of reach of a terminal's Ctrl-C: pass it on.
const interrupt = new AbortController();
for (const signalName of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signalName, () => interrupt.abort(new Error(`${signalName} received`)));
}

const report = await checkDocs({
  repoRoot,
  markdownFiles:
    positionals.length > 0 ? positionals.map((file) => resolve(process.cwd(), file)) : await listDocFiles(),
  runTimeoutMs: timeoutSeconds * 1000,
  keepWorkspace: values.keep,
  log: (line) => console.log(line),
  signal: interrupt.signal,
});

for (const failure of report.failures) {
  console.error(`${failure.location}: ${failure.message}`);
  if (failure.output !== undefined && failure.output.trim() !== '') {
    console.error(failure.output.replace(/^/gm, '    | '));
  }
}
if (report.ignoredOutsideSnippets > 0) {
  console.log(
    `(${report.ignoredOutsideSnippets} errors inside src/ not shown: npm run typecheck reports them)`,
  );
}
console.log(
  `docs:check: ${report.files} files, ${report.blocks} code blocks, ${report.typeScriptBlocks} TypeScript: ` +
    `${report.typeChecked} type-checked, ${report.optedOut} no-check, ${report.run} run; ` +
    `${report.failures.length} failures`,
);
if (interrupt.signal.aborted) {
  console.error('docs:check: interrupted');
  process.exitCode = 130;
} else if (report.failures.length > 0) {
  process.exitCode = 1;
}
