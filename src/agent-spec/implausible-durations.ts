/**
 * Every duration option is in milliseconds, and a value typed in seconds (`sessionTtlMs: 3600`)
 * passes the schema: sessions then expire after 3.6 s and approvals after 120 ms, far from the
 * option that caused it. Below these floors a value is almost certainly seconds, so start-up
 * warns about it; the option still takes the value given.
 */
const FLOORS_MS: readonly (readonly [path: string, floorMs: number])[] = [
  ['server.sessionTtlMs', 60_000],
  ['server.approvalTimeoutMs', 5_000],
  ['server.clientToolTimeoutMs', 1_000],
  ['server.disconnectGraceMs', 1_000],
  ['server.streamRetentionMs', 10_000],
  ['server.heartbeatIntervalMs', 1_000],
  ['server.sessionCleanupIntervalMs', 1_000],
  ['server.runLeaseMs', 1_000],
  ['server.threadRetentionSweepIntervalMs', 1_000],
  ['server.rateLimit.windowMs', 1_000],
  ['server.tokenBudget.windowMs', 1_000],
  ['turnTimeoutMs', 5_000],
  ['toolCallTimeoutMs', 1_000],
  ['mcp.toolTimeoutMs', 1_000],
  ['mcp.startupTimeoutMs', 1_000],
  ['headless.timeoutMs', 1_000],
];

const valueAt = (spec: unknown, path: string): unknown => {
  let current: unknown = spec;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/** A duration option whose value looks like seconds. */
export interface ImplausibleDuration {
  /** Its path in the spec, `server.sessionTtlMs`. */
  option: string;
  valueMs: number;
  /** The warning to log. */
  message: string;
}

/**
 * One warning per duration option of an agent spec (`createAgent`'s or `runAutonomous`'s) whose
 * value looks like seconds typed into a milliseconds option, naming the option, its unit and
 * the value in seconds: `server.approvalTimeoutMs is 120 ms (0.12 s): durations are in
 * milliseconds; for 120 seconds write 120000`. A `0` that turns a feature off is not flagged.
 */
export function findImplausibleDurations(spec: unknown): ImplausibleDuration[] {
  const warnings: ImplausibleDuration[] = [];
  for (const [path, floorMs] of FLOORS_MS) {
    const value = valueAt(spec, path);
    if (typeof value !== 'number' || value <= 0 || value >= floorMs) continue;
    warnings.push({
      option: path,
      valueMs: value,
      message:
        `${path} is ${value} ms (${value / 1000} s): durations are in milliseconds; ` +
        `for ${value} seconds write ${value * 1000}`,
    });
  }
  return warnings;
}
