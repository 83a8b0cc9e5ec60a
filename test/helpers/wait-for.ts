import { setTimeout as delay } from 'node:timers/promises';

/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Give up after this long (default 5 000 ms). */
  timeoutMs?: number;
  /** Pause between checks (default 10 ms). */
  intervalMs?: number;
  /** Describes what was awaited, for the failure message (a function is called at failure time). */
  description?: string | (() => string);
}

/**
 * Polls `check` until it returns a value other than `undefined` and returns that value; throws
 * after `timeoutMs`. Used instead of fixed sleeps for things that settle asynchronously (a lock
 * released after teardown, timers cleared), so tests stay fast and never assert on timing.
 */
export async function waitFor<Value>(
  check: () => Value | undefined | Promise<Value | undefined>,
  options: WaitForOptions = {},
): Promise<Value> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) {
      const { description = 'a condition' } = options;
      const what = typeof description === 'function' ? description() : description;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await delay(intervalMs);
  }
}

/** How many ref'ed timers (`Timeout` resources) keep the process alive right now. */
export function countActiveTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
