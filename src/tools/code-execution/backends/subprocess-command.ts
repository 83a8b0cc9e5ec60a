import { prlimitArguments, type ResourceLimits } from './resource-limits.js';

/**
 * Flags of util-linux `unshare` that put the code into a PID namespace of its own while the
 * unshare process stays outside as its parent: a user namespace first (`--map-current-user`
 * keeps the uid), so no privilege is needed, and `--kill-child` so the code dies if unshare is
 * killed.
 */
export const PID_NAMESPACE_FLAGS: readonly string[] = [
  '--user',
  '--map-current-user',
  '--pid',
  '--fork',
  '--kill-child',
];

/** Everything the subprocess backend's command line is built from. */
export interface SubprocessCommandOptions {
  python: string;
  pythonArgs: readonly string[];
  /** util-linux `prlimit`, or null when it is not installed (then no OS limits apply). */
  prlimit: string | null;
  limits: ResourceLimits;
  /** util-linux `unshare` when it can create a PID namespace here; null otherwise. */
  unshare: string | null;
}

/** The command and whether its leader is only a wrapper around a PID namespace. */
export interface SubprocessCommand {
  command: string;
  args: string[];
  leaderIsWrapper: boolean;
}

/**
 * Builds the subprocess backend's command: `[unshare …] [prlimit … --] python …`.
 *
 * With `unshare`, the code is the init of a fresh PID namespace and unshare (the leader) only
 * waits for it: every process the code starts, even a double-forked `setsid` orphan, stays in
 * that namespace and dies with its init. Without it the code is the leader itself and only
 * what stays in the process tree can be stopped.
 */
export function buildSubprocessCommand(options: SubprocessCommandOptions): SubprocessCommand {
  const code = [options.python, ...options.pythonArgs];
  const limited =
    options.prlimit === null ? code : [options.prlimit, ...prlimitArguments(options.limits), '--', ...code];
  if (options.unshare === null) {
    const [command = options.python, ...args] = limited;
    return { command, args, leaderIsWrapper: false };
  }
  return {
    command: options.unshare,
    args: [...PID_NAMESPACE_FLAGS, '--', ...limited],
    leaderIsWrapper: true,
  };
}
