import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `worktree` builds the checkout as it is on disk, uncommitted changes included. */
export const WORKTREE = 'worktree';

/**
 * Builds the package of `ref` (a git ref of `repositoryRoot`, or `WORKTREE`) into a fresh
 * folder of the system's temp dir, laid out as an installed package: `bin/agent-gateway.js`,
 * `dist/` (tsc with `tsconfig.build.json`, the playground's assets copied) and a `node_modules`
 * link to the repository's. Returns that folder, for `startServeGateway({ tree })`. Type errors
 * do not stop the emit (another change in progress); a build that emits no CLI does.
 */
export async function buildServeTree(repositoryRoot: string, ref: string, label: string): Promise<string> {
  const tree = mkdtempSync(join(tmpdir(), `serve-tree-${label}-`));
  const source = ref === WORKTREE ? repositoryRoot : tree;
  if (ref !== WORKTREE) {
    const files = ['src', 'bin', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
    await run('sh', [
      '-c',
      `git -C "$1" archive "$2" ${files.join(' ')} | tar -x -C "$3"`,
      'sh',
      repositoryRoot,
      ref,
      tree,
    ]);
  } else {
    cpSync(join(repositoryRoot, 'bin'), join(tree, 'bin'), { recursive: true });
    cpSync(join(repositoryRoot, 'package.json'), join(tree, 'package.json'));
  }
  symlinkSync(realpathSync(join(repositoryRoot, 'node_modules')), join(tree, 'node_modules'));
  const tsc = createRequire(join(repositoryRoot, 'package.json')).resolve('typescript/bin/tsc');
  try {
    await run(
      process.execPath,
      [tsc, '-p', join(source, 'tsconfig.build.json'), '--outDir', join(tree, 'dist')],
      {
        cwd: source,
        maxBuffer: 16 * 2 ** 20,
      },
    );
  } catch (error) {
    const stdout = (error as { stdout?: unknown }).stdout;
    const errors = (typeof stdout === 'string' ? stdout : '')
      .split('\n')
      .filter((line) => line.includes('error TS'));
    console.warn(`tsc reported ${errors.length} type error(s) building ${ref}; using the emitted JavaScript`);
  }
  if (!existsSync(join(tree, 'dist', 'cli', 'main.js')))
    throw new Error(`building ${ref} emitted no CLI into ${tree}`);
  const assets = join(source, 'src', 'server', 'playground', 'assets');
  if (existsSync(assets)) {
    cpSync(assets, join(tree, 'dist', 'server', 'playground', 'assets'), {
      recursive: true,
      filter: (path) => !path.endsWith('tsconfig.json'),
    });
  }
  return tree;
}
