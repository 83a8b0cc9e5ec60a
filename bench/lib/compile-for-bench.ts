import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where `compileForBench` writes by default: `node_modules/.cache/ai-agent-gateway-bench-<name of
 * the checkout>`, so that worktrees sharing one node_modules (a symlink) do not overwrite each
 * other's build. `BENCH_BUILD_DIR` overrides it (keep it under a node_modules directory).
 */
export function defaultBenchBuildDir(repositoryRoot: string): string {
  return join(
    repositoryRoot,
    'node_modules',
    '.cache',
    `ai-agent-gateway-bench-${basename(resolve(repositoryRoot))}`,
  );
}

/**
 * Compiles the repository with tsc into `defaultBenchBuildDir` (or `outDir`) and returns that
 * directory. The gateway and mock processes then run compiled JavaScript, as a deployment
 * does: under tsx every closure is wrapped to keep its name (esbuild `keepNames`), which made
 * the gateway measurably slower and bigger than the built package (see docs/PERFORMANCE.md).
 *
 * The output sits under node_modules so that bare imports resolve to the repository's
 * dependencies and git ignores it; a `package.json` there marks it as ES modules. Type errors
 * elsewhere in the tree (another change in progress) do not stop the emit.
 */
export async function compileForBench(
  repositoryRoot: string,
  outDir = process.env['BENCH_BUILD_DIR'] ?? defaultBenchBuildDir(repositoryRoot),
): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const tsc = createRequire(join(repositoryRoot, 'package.json')).resolve('typescript/bin/tsc');
  const args = [
    tsc,
    '-p',
    join(repositoryRoot, 'tsconfig.json'),
    '--noEmit',
    'false',
    '--outDir',
    outDir,
    '--rootDir',
    repositoryRoot,
    '--declaration',
    'false',
    '--declarationMap',
    'false',
    '--sourceMap',
    'false',
    '--incremental',
    'false',
  ];
  try {
    await run(process.execPath, args, { cwd: repositoryRoot, maxBuffer: 16 * 2 ** 20 });
  } catch (error) {
    const stdout = (error as { stdout?: unknown }).stdout;
    const output = typeof stdout === 'string' ? stdout : '';
    const errorCount = output.split('\n').filter((line) => line.includes('error TS')).length;
    console.warn(`tsc reported ${errorCount} type error(s); benchmarking the emitted JavaScript anyway`);
  }
  if (!existsSync(join(outDir, 'bench', 'lib', 'gateway-process.js'))) {
    throw new Error(`tsc emitted nothing into ${outDir}`);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return outDir;
}
