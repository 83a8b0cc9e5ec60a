import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Which of Docker's builders builds an image: the classic one or BuildKit. */
export type ImageBuilder = 'classic' | 'buildkit';

/** How to run `build` with one builder: the program, the words before `build`'s options, and its environment. */
export interface BuildCommand {
  program: string;
  /** `['build']`, or `['buildx', 'build', '--load']` with the buildx plugin. */
  words: readonly string[];
  environment: NodeJS.ProcessEnv;
}

/** The major version of a Docker client, or undefined when it does not run. */
async function clientMajorVersion(program: string): Promise<number | undefined> {
  const version = await execFileAsync(program, ['version', '--format', '{{.Client.Version}}'], {
    timeout: 10_000,
  }).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  );
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  return Number.isInteger(major) ? major : undefined;
}

/**
 * The command that builds with `builder`, or why none can here. The classic builder is
 * `DOCKER_BUILDKIT=0 docker build`. BuildKit is `docker buildx build --load` when the buildx plugin
 * is installed; otherwise a Docker client older than 23 has a BuildKit client built in
 * (`DOCKER_BUILDKIT=1`) that drives the engine's own BuildKit: Debian 12's docker.io (20.10) at
 * /usr/bin/docker, also when another client comes first on PATH. Clients from 23 on refuse
 * `DOCKER_BUILDKIT=1` without buildx.
 */
export async function buildCommand(builder: ImageBuilder): Promise<BuildCommand | string> {
  if (builder === 'classic')
    return { program: 'docker', words: ['build'], environment: { ...process.env, DOCKER_BUILDKIT: '0' } };
  const buildx = await execFileAsync('docker', ['buildx', 'version'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  if (buildx) return { program: 'docker', words: ['buildx', 'build', '--load'], environment: process.env };
  for (const program of ['docker', '/usr/bin/docker']) {
    const major = await clientMajorVersion(program);
    if (major !== undefined && major < 23) {
      return { program, words: ['build'], environment: { ...process.env, DOCKER_BUILDKIT: '1' } };
    }
  }
  return 'no BuildKit client: neither the buildx plugin nor a Docker client older than 23 (Debian 12: /usr/bin/docker of docker.io)';
}
