import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Packs the package at `repositoryRoot` (`npm pack`, as `npm publish` would: only the files
 * package.json lists) into a tarball in a temporary folder. `dist/` must be built already: the
 * pack skips the `prepack` build so a test can build once and pack quickly.
 */
export async function packPackage(repositoryRoot: string): Promise<{ tarball: string; remove(): Promise<void> }> {
  const destination = await mkdtemp(join(tmpdir(), 'agent-gateway-pack-'));
  const { stdout } = await execFileAsync(
    'npm',
    ['pack', '--ignore-scripts', '--silent', '--pack-destination', destination],
    { cwd: repositoryRoot },
  );
  const name = stdout.trim().split('\n').pop() ?? '';
  const tarball = join(destination, name);
  if (name === '' || !existsSync(tarball)) throw new Error(`npm pack wrote no tarball:\n${stdout}`);
  return { tarball, remove: () => rm(destination, { recursive: true, force: true }) };
}

/**
 * Installs a packed tarball into `projectDirectory/node_modules` the way `npm install <tarball>`
 * lays it out, without a registry: the tarball's files become `node_modules/ai-agent-gateway`,
 * each dependency its package.json declares (and only those) is linked from the repository's
 * installed `node_modules`, and the bins go to `node_modules/.bin`. A module the package needs
 * but does not declare is then missing, exactly as for a user.
 */
export async function installPackedPackage(options: {
  tarball: string;
  projectDirectory: string;
  repositoryRoot: string;
}): Promise<void> {
  const modules = join(options.projectDirectory, 'node_modules');
  const unpacked = await mkdtemp(join(options.projectDirectory, '.unpack-'));
  await execFileAsync('tar', ['-xzf', options.tarball, '-C', unpacked]);
  const manifest = JSON.parse(await readFile(join(unpacked, 'package', 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    bin?: Record<string, string>;
  };
  const packageDirectory = join(modules, manifest.name);
  await mkdir(dirname(packageDirectory), { recursive: true });
  await rename(join(unpacked, 'package'), packageDirectory);
  await rm(unpacked, { recursive: true, force: true });

  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    const installed = join(options.repositoryRoot, 'node_modules', dependency);
    if (!existsSync(installed)) throw new Error(`dependency ${dependency} is not installed in the repository`);
    const link = join(modules, dependency);
    await mkdir(dirname(link), { recursive: true });
    await symlink(installed, link, 'dir');
  }
  await mkdir(join(modules, '.bin'), { recursive: true });
  for (const [bin, target] of Object.entries(manifest.bin ?? {})) {
    await symlink(join('..', manifest.name, target), join(modules, '.bin', bin));
  }
}
