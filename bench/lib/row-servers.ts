import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { stopOnSignal } from './stop-children-on-signal.js';

const run = promisify(execFile);

/** bench/competitors: the DIY and Mastra servers and their own package (not the gateway's). */
export const competitorsDir = fileURLToPath(new URL('../competitors/', import.meta.url));
/** The thin relay of issue 67, in TypeScript. */
export const floorSource = fileURLToPath(new URL('../relay-floor.ts', import.meta.url));

/**
 * The `node` binary every row runs on: `--node <path>`, else `BENCH_NODE`, else this process's
 * (with a warning when it is older than 22: the figures of issue 67 are Node 22's).
 */
export function rowNode(flag: string | undefined): { path: string; version: string } {
  const path = flag ?? process.env['BENCH_NODE'] ?? process.execPath;
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  if (
    flag === undefined &&
    process.env['BENCH_NODE'] === undefined &&
    Number(version.slice(1).split('.')[0]) < 22
  )
    console.warn(
      `warning: no --node or BENCH_NODE given; every row runs on this process's ${version}, not Node 22 ` +
        '(e.g. `npm install node@22` in a scratch folder and pass its bin/node)',
    );
  return { path, version };
}

/** Whether `version` (`v22.13.0`) is at least `major.minor`. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = version.slice(1).split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}

/**
 * Installs bench/competitors' locked dependencies (`npm ci --prefix`) unless the installed tree
 * is newer than its lock file: the npm registry through the ordinary client, nothing else.
 */
export async function ensureCompetitors(): Promise<void> {
  const lock = join(competitorsDir, 'package-lock.json');
  const installed = join(competitorsDir, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('installing bench/competitors (npm ci --prefix bench/competitors)…');
  await run('npm', ['ci', '--prefix', competitorsDir, '--no-audit', '--no-fund'], {
    maxBuffer: 16 * 2 ** 20,
  });
}

/**
 * Strips the types of a self-contained TypeScript server into `outDir` (plain JavaScript: no
 * loader in the measured process); resolves the emitted file. Bare imports resolve from
 * `outDir` upwards, so a competitor's output sits under bench/competitors/node_modules.
 */
export function compileServer(source: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const output = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
    fileName: source,
  });
  const file = join(outDir, basename(source).replace(/\.ts$/, '.mjs'));
  writeFileSync(file, output.outputText);
  return file;
}

/** A server process of one row, listening on 127.0.0.1. */
export interface ListeningProcess {
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops it (SIGTERM, then waits for its exit); idempotent. */
  stop(): Promise<void>;
}

/**
 * Spawns `node entry` and resolves once it prints `listening on <url>`; its output after that is
 * drained (a deployed server's log goes somewhere too); rejects if it exits first.
 */
export async function startListening(
  node: string,
  entry: string,
  env: NodeJS.ProcessEnv,
): Promise<ListeningProcess> {
  const child = stopOnSignal(
    spawn(node, [entry], {
      cwd: competitorsDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (errors.length < 4_000) errors += String(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${basename(entry)} exited with ${code}: ${errors}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const found = /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1];
      if (found !== undefined) resolve(found);
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    child,
    pid: child.pid ?? 0,
    url,
    stop() {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        await exited;
      })();
      return stopping;
    },
  };
}
