import { createHook } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

/** The project's own source directory: timers created from here are the gateway's. */
const sourceDirectory = fileURLToPath(new URL('../../src/', import.meta.url));

/** Timers the gateway's code created while tracking was on. */
export interface SourceTimerTracker {
  /** Creation stacks of the tracked timers not yet fired or cleared. */
  pending(): string[];
  /** Stops tracking (the pending list is kept). Idempotent. */
  stop(): void;
}

/**
 * Records every timer created by code under `src/` (not by Node, the SDKs or Vitest) until
 * `stop()`, and forgets it once it fired or was cleared. Unlike
 * `process.getActiveResourcesInfo()`, this also sees `unref()`ed timers such as the SSE
 * heartbeat, which keep no process alive but would still leak work and memory.
 */
export function trackSourceTimers(): SourceTimerTracker {
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const stack = new Error('timer created').stack ?? '';
      const frames = stack.split('\n').filter((line) => line.includes(sourceDirectory));
      // The helpers of the tests themselves (mock upstream pacing) are not the gateway's.
      const own = frames.filter((line) => !line.includes(`${sourceDirectory}testing`));
      if (own.length > 0) live.set(asyncId, own.join('\n'));
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  let stopped = false;
  return {
    pending: () => [...live.values()],
    stop() {
      if (stopped) return;
      stopped = true;
      hook.disable();
    },
  };
}

/**
 * Waits (bounded) until every tracked timer fired or was cleared; fails with the creation
 * stacks of those left. Timers are cleared during teardown, a moment after the stream ended, so
 * this polls instead of checking once.
 */
export async function waitForSourceTimersCleared(tracker: SourceTimerTracker): Promise<void> {
  await waitFor(() => (tracker.pending().length === 0 ? true : undefined), {
    description: () =>
      `the gateway's timers to be cleared; still pending:\n${tracker.pending().join('\n---\n')}`,
  });
}
