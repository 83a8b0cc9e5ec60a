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
  /** Memory of the container in MiB (no swap on top). */
  memoryMb: number;
  /** Processes and threads of the container. */
  maxProcesses: number;
  /** Largest file the code may write, in MiB. */
  maxFileSizeMb: number;
  /** Size of the container's private `/tmp` and of its `/dev/shm` (both memory-backed), in MiB. */
  tmpfsMb: number;
}

/** Label on every container the backend starts, so that none can be lost track of. */
export const CONTAINER_LABEL = 'agent-gateway.code-exec';

/** Where the work dir appears inside the container (also its cwd and HOME). */
export const CONTAINER_WORK_DIR = '/workspace';

/**
 * Arguments of `docker run` for one script: detached, no network, a read-only root with only
 * the work dir (read-write at `/workspace`, the cwd), a sized `/tmp` tmpfs and an equally sized
 * `/dev/shm` writable (Docker's own default for `/dev/shm` is 64 MiB; `/dev` itself belongs to
 * root, and the code never is), every tmpfs page also charged to the container's memory, the
 * configured memory without extra swap, one CPU, a process cap, a file-size cap, a user that
 * is not root, no capabilities or privilege escalation, never pulling an image implicitly, and
 * only the given environment. The container is not started with `--rm`: its logs must outlive
 * it until they are collected, and the backend removes it explicitly afterwards.
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
    '--label',
    `${CONTAINER_LABEL}=1`,
    '--read-only',
    '--tmpfs',
    `/tmp:rw,nosuid,nodev,size=${options.tmpfsMb}m,mode=1777`,
    '--shm-size',
    `${options.tmpfsMb}m`,
    '--memory',
    `${options.memoryMb}m`,
    '--memory-swap',
    `${options.memoryMb}m`,
    '--cpus',
    '1.0',
    '--pids-limit',
    String(options.maxProcesses),
    '--ulimit',
    `fsize=${options.maxFileSizeMb * 1024 * 1024}`,
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
