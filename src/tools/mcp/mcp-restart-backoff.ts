/**
 * When a crashed MCP server may be restarted: after a failed restart (or a crash soon after a
 * restart, a crash loop) the next attempt waits `initial · 2^(n-1)` ms, capped at `max`, for the
 * n-th failure in a row; a server that ran stably starts afresh.
 */
export interface RestartBackoff {
  /** Counts a failed restart and returns how long the next attempt waits, in ms. */
  failed(): number;
  /**
   * The server stopped on its own: the wait before the next attempt when it is crash-looping
   * (restarted before and up for less than the cap), else undefined (restart at once).
   */
  stopped(restarts: number, connectedAt: number): number | undefined;
  /** The next attempt may start at once (the failure count stays). */
  allowNow(): void;
  /** How long until the next attempt may start, in ms (not positive: now). */
  waitMs(): number;
}

/** The back-off of one server's restarts. */
export function createRestartBackoff(backoff: { initialMs: number; maxMs: number }): RestartBackoff {
  let failedRestarts = 0;
  let nextRestartAt = 0;
  const failed = (): number => {
    failedRestarts += 1;
    const delayMs = Math.min(backoff.initialMs * 2 ** (failedRestarts - 1), backoff.maxMs);
    nextRestartAt = Date.now() + delayMs;
    return delayMs;
  };
  return {
    failed,
    stopped(restarts, connectedAt) {
      if (restarts > 0 && Date.now() - connectedAt < backoff.maxMs) return failed();
      failedRestarts = 0;
      nextRestartAt = 0;
      return undefined;
    },
    allowNow() {
      nextRestartAt = 0;
    },
    waitMs: () => nextRestartAt - Date.now(),
  };
}

/** A wait as the log and error messages say it: seconds to one decimal, at least 0.1s. */
export function formatSeconds(ms: number): string {
  return `${Math.max(0.1, Math.round(ms / 100) / 10)}s`;
}
