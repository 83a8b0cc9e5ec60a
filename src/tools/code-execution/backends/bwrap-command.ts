import { prlimitArguments, type ResourceLimits } from './resource-limits.js';

/** Read-only system directories of the sandbox; missing ones are skipped. */
export const SANDBOX_SYSTEM_PATHS: readonly string[] = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
];

/**
 * The few files of /etc a Python process needs (dynamic linker cache, time zone, the
 * Debian alternatives links, fonts for plots, user names). Nothing secret: no shadow file,
 * no SSH or TLS keys, no resolver config (there is no network anyway).
 */
export const SANDBOX_ETC_PATHS: readonly string[] = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/alternatives',
  '/etc/fonts',
  '/etc/mime.types',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
];

/**
 * Device nodes of the sandbox's `/dev`, bound from the host (the set bubblewrap's own `--dev`
 * binds). Writing to a device node stores nothing.
 */
export const SANDBOX_DEVICES: readonly string[] = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/**
 * Size of the tmpfs that holds `/dev` (its nodes and links only). It is read-only before the
 * code starts, so nothing can be written into it anyway.
 */
const DEV_TMPFS_BYTES = 64 * 1024;

/**
 * Arguments that build `/dev` by hand instead of bubblewrap's `--dev`, whose tmpfs is writable
 * and has no size (so `/dev/shm` would take host memory past any limit): a small tmpfs with the
 * device nodes bound in, the usual `/proc/self/fd` links, and `/dev/shm` as a link to `/tmp`, so
 * POSIX shared memory and semaphores work and count against the one `/tmp` budget. No
 * pseudo-terminals (`/dev/pts`). `/dev` is remounted read-only by `buildBwrapCommand`.
 */
function devArguments(): string[] {
  const args = ['--size', String(DEV_TMPFS_BYTES), '--tmpfs', '/dev'];
  for (const device of SANDBOX_DEVICES) args.push('--dev-bind', `/dev/${device}`, `/dev/${device}`);
  args.push('--symlink', '/proc/self/fd', '/dev/fd');
  for (const [index, name] of ['stdin', 'stdout', 'stderr'].entries()) {
    args.push('--symlink', `/proc/self/fd/${index}`, `/dev/${name}`);
  }
  args.push('--symlink', '/tmp', '/dev/shm');
  return args;
}

/** Everything the bubblewrap command line is built from. */
export interface BwrapCommandOptions {
  /** Absolute paths of the helpers and of Python (as found on the host). */
  bwrap: string;
  prlimit: string;
  python: string;
  /** Arguments after the Python executable (`-u script` or `-c …`). */
  pythonArgs: readonly string[];
  /** The session's work dir: bound read-write at the same path and used as cwd. */
  workDir: string;
  /** Extra read-only binds (e.g. a Python installed under /opt); each must exist. */
  readOnlyPaths: readonly string[];
  limits: ResourceLimits;
  /**
   * Size in bytes of the private /tmp tmpfs, the only writable memory-backed file system of the
   * sandbox (`/dev/shm` links into it), so one budget bounds both.
   */
  tmpfsBytes: number;
  /**
   * When the gateway runs as root: `setpriv` switches to these ids before bwrap starts, because
   * the kernel never applies RLIMIT_NPROC to root, and bwrap then runs unprivileged.
   */
  dropPrivileges?: { setpriv: string; uid: number; gid: number } | undefined;
}

/**
 * Builds the command that runs Python inside bubblewrap:
 *
 * - every namespace unshared (`--unshare-all`, plus an explicit user namespace so the process
 *   limit counts this sandbox's processes only): no network, private PID space, hostname, IPC;
 * - the system read-only (`/usr`, `/bin`, `/lib*` and a minimal `/etc`, on a read-only root),
 *   a private `/proc`, a read-only `/dev` of device nodes (see `devArguments`) and a private
 *   tmpfs `/tmp` of `tmpfsBytes`, which also holds `/dev/shm`: the only writable places are that
 *   one bounded tmpfs and the work dir, so other sessions' work dirs, the gateway's files and its
 *   secrets are simply not there;
 * - `--die-with-parent` (the sandbox dies with the gateway), `--new-session` (no terminal
 *   injection) and no capabilities;
 * - `prlimit` inside, so CPU time, address space, processes and file size are capped for the
 *   code only.
 */
export function buildBwrapCommand(options: BwrapCommandOptions): { command: string; args: string[] } {
  const sandbox: string[] = [
    '--unshare-all',
    '--unshare-user',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
  ];
  for (const path of [...SANDBOX_SYSTEM_PATHS, ...SANDBOX_ETC_PATHS])
    sandbox.push('--ro-bind-try', path, path);
  for (const path of options.readOnlyPaths) sandbox.push('--ro-bind', path, path);
  sandbox.push(
    '--proc',
    '/proc',
    ...devArguments(),
    '--size',
    String(options.tmpfsBytes),
    '--tmpfs',
    '/tmp',
    '--bind',
    options.workDir,
    options.workDir,
    '--remount-ro',
    '/dev',
    // The sandbox's own root (where bwrap created /etc and the mount points) read-only too.
    '--remount-ro',
    '/',
    '--chdir',
    options.workDir,
    '--',
    options.prlimit,
    ...prlimitArguments(options.limits),
    '--',
    options.python,
    ...options.pythonArgs,
  );
  const drop = options.dropPrivileges;
  if (drop === undefined) return { command: options.bwrap, args: sandbox };
  return {
    command: drop.setpriv,
    args: [
      `--reuid=${drop.uid}`,
      `--regid=${drop.gid}`,
      '--clear-groups',
      '--no-new-privs',
      options.bwrap,
      ...sandbox,
    ],
  };
}

/** Whether `path` lies inside one of `roots` (so it exists inside the sandbox). */
export function isInsideAny(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`));
}
