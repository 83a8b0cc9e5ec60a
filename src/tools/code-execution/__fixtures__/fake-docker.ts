import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The fake `docker` CLI: a small Node program that appends every argv as one JSON line to
 * `$FAKE_DOCKER_DIR/invocations.jsonl` and plays the engine's part of the lifecycle:
 *
 * - `image inspect <image>`: succeeds unless `$FAKE_DOCKER_IMAGE_MISSING` is set;
 * - `run -d … --name N … -v host:/workspace:rw …`: fails as a CLI without an engine does when
 *   `$FAKE_DOCKER_DAEMON_DOWN` is set; otherwise prints an id; in mode `exit` it also writes
 *   `container_plot.png` into the mounted work dir, like code saving a plot;
 * - `logs -f N`: mode `exit` prints one stdout and one stderr line and ends; mode `hang` prints
 *   one line and waits until `stop` was called;
 * - `wait N`: `0` in mode `exit`; in mode `hang` waits for `stop`, then prints `137`;
 * - `stop -t S N`: marks N stopped; `rm -f N`: succeeds.
 *
 * Every wait gives up after 20 s, so a broken test never leaves the fake running for long.
 */
const FAKE_DOCKER_SOURCE = String.raw`
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FAKE_DOCKER_DIR;
const mode = process.env.FAKE_DOCKER_MODE ?? 'exit';
const args = process.argv.slice(2);
appendFileSync(join(dir, 'invocations.jsonl'), JSON.stringify(args) + '\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stoppedFile = (name) => join(dir, name + '.stopped');
const untilStopped = async (name) => {
  for (let waited = 0; waited < 20000 && !existsSync(stoppedFile(name)); waited += 20) await sleep(20);
};
const name = args.at(-1);

switch (args[0]) {
  case 'image':
    if (process.env.FAKE_DOCKER_IMAGE_MISSING) {
      process.stderr.write('Error: No such image: ' + name + '\n');
      process.exit(1);
    }
    process.stdout.write('sha256:fake\n');
    break;
  case 'run': {
    if (process.env.FAKE_DOCKER_DAEMON_DOWN) {
      process.stderr.write(
        'docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      );
      process.exit(125);
    }
    const mount = args[args.indexOf('-v') + 1] ?? '';
    const hostDir = mount.split(':')[0];
    if (mode === 'exit' && hostDir) {
      writeFileSync(join(hostDir, 'container_plot.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    }
    process.stdout.write(args[args.indexOf('--name') + 1] + '-id\n');
    break;
  }
  case 'logs':
    if (mode === 'exit') {
      process.stdout.write('hello from the container\n');
      process.stderr.write('a container warning\n');
    } else {
      process.stdout.write('working\n');
      await untilStopped(name);
    }
    break;
  case 'wait':
    if (mode === 'exit') {
      process.stdout.write('0\n');
    } else {
      await untilStopped(name);
      process.stdout.write('137\n');
    }
    break;
  case 'stop':
    writeFileSync(stoppedFile(name), '');
    process.stdout.write(name + '\n');
    break;
  case 'rm':
    process.stdout.write(name + '\n');
    break;
  default:
    process.stderr.write('fake docker: unsupported command ' + args[0] + '\n');
    process.exit(2);
}
`;

/** A fake docker installed in a temp dir. */
export interface FakeDocker {
  /** Directory to put first on PATH (it holds the `docker` executable). */
  binDir: string;
  /** Directory of the invocation log and state files (`FAKE_DOCKER_DIR`). */
  stateDir: string;
  /** Every argv the fake received so far, in order. */
  invocations(): Promise<string[][]>;
  remove(): Promise<void>;
}

/** Installs the fake: a shell shim named `docker` that runs the Node program above. */
export async function installFakeDocker(): Promise<FakeDocker> {
  const root = await mkdtemp(join(tmpdir(), 'fake-docker-'));
  const binDir = join(root, 'bin');
  const stateDir = join(root, 'state');
  await Promise.all([mkdir(binDir), mkdir(stateDir), writeFile(join(root, 'fake-docker.mjs'), FAKE_DOCKER_SOURCE)]);
  const shim = join(binDir, 'docker');
  await writeFile(
    shim,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'fake-docker.mjs'))} "$@"\n`,
  );
  await chmod(shim, 0o755);
  await writeFile(join(stateDir, 'invocations.jsonl'), '');
  return {
    binDir,
    stateDir,
    async invocations() {
      const text = await readFile(join(stateDir, 'invocations.jsonl'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as string[]);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
