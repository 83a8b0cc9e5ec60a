/** Operating-system limits of one run, already resolved to numbers. */
export interface ResourceLimits {
  cpuSeconds: number;
  memoryBytes: number;
  /** RLIMIT_NPROC; undefined leaves it alone (it is per user, see `prlimitArguments`). */
  maxProcesses: number | undefined;
  maxFileSizeBytes: number;
}

const MEBIBYTE = 1024 * 1024;

/**
 * Resolves the configured limits for a run of `timeoutMs`. The CPU limit defaults to the
 * timeout plus a second: the wall-clock timeout is the real limit, RLIMIT_CPU a backstop that
 * works even if the gateway itself dies. The file-size limit is capped at the work dir quota.
 */
export function resolveResourceLimits(
  limits: {
    cpuTimeMs?: number | undefined;
    memoryMb: number;
    maxProcesses: number;
    maxFileSizeMb: number;
    workDirMb: number;
  },
  timeoutMs: number,
  options: { limitProcesses: boolean },
): ResourceLimits {
  return {
    // RLIMIT_CPU counts whole seconds.
    cpuSeconds: Math.ceil((limits.cpuTimeMs ?? timeoutMs + 1000) / 1000),
    memoryBytes: limits.memoryMb * MEBIBYTE,
    maxProcesses: options.limitProcesses ? limits.maxProcesses : undefined,
    // One file can never be larger than the whole work dir's quota.
    maxFileSizeBytes: Math.min(limits.maxFileSizeMb, limits.workDirMb) * MEBIBYTE,
  };
}

/**
 * Arguments of util-linux `prlimit` that set soft and hard limits before it executes the
 * command (`prlimit <these> -- command …`). Hard limits mean the code cannot raise them again.
 *
 * RLIMIT_NPROC counts every process of the real user id (in its user namespace), so it only
 * contains a fork bomb where the code has a user of its own: inside bubblewrap's user
 * namespace. For a plain child process it would count the gateway user's other processes too,
 * and for root it is not enforced at all, so callers leave it undefined there.
 */
export function prlimitArguments(limits: ResourceLimits): string[] {
  const flags = [
    `--cpu=${limits.cpuSeconds}`,
    `--as=${limits.memoryBytes}`,
    `--fsize=${limits.maxFileSizeBytes}`,
    '--core=0',
  ];
  if (limits.maxProcesses !== undefined) flags.push(`--nproc=${limits.maxProcesses}`);
  return flags;
}
