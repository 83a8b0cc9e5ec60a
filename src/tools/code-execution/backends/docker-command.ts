/** Everything `docker run` is built from. */
export interface DockerRunOptions {
  containerName: string;
  image: string;
  /** The session's work dir on the host, mounted read-write at `/workspace`. */
  workDir: string;
  /** `uid:gid` the code runs as: the owner of the work dir, so its files stay removable. */
  user: string;
  /** The container's complete environment. */
  env: Readonly<Record<string, string>>;
  python: string;
  scriptName: string;
}

/** Where the work dir appears inside the container (also its cwd and HOME). */
export const CONTAINER_WORK_DIR = '/workspace';

/**
 * Arguments of `docker run` for one script: detached, no network, 512 MiB of memory without
 * extra swap, one CPU, 128 processes, no capabilities or privilege escalation, never pulling
 * an image implicitly, the work dir mounted read-write at `/workspace` as cwd, and only the
 * given environment. The container is not started with `--rm`: its logs must outlive it until
 * they are collected, and the backend removes it explicitly afterwards.
 */
export function buildDockerRunArguments(options: DockerRunOptions): string[] {
  const args = [
    'run',
    '-d',
    '--name',
    options.containerName,
    '--pull',
    'never',
    '--network',
    'none',
    '--memory',
    '512m',
    '--memory-swap',
    '512m',
    '--cpus',
    '1.0',
    '--pids-limit',
    '128',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    options.user,
    '-v',
    `${options.workDir}:${CONTAINER_WORK_DIR}:rw`,
    '-w',
    CONTAINER_WORK_DIR,
  ];
  for (const [name, value] of Object.entries(options.env)) args.push('-e', `${name}=${value}`);
  args.push(options.image, options.python, '-u', `${CONTAINER_WORK_DIR}/${options.scriptName}`);
  return args;
}
