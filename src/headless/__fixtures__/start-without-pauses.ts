import { vi } from 'vitest';
import type { HeartbeatLoop } from '../heartbeat/heartbeat-loop.js';

/**
 * Runs `loop.start()` to its end with fake timers: each pause between ticks passes as soon as
 * the loop waits on it, so a test of what ticks do never waits for time. Only `setTimeout` is
 * faked (the loop's pause); between pauses a real `setImmediate` lets file I/O (state files,
 * checklists) complete. Real timers are back when it resolves.
 */
export async function startWithoutPauses(loop: HeartbeatLoop): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    let settled = false;
    const started = loop.start().finally(() => {
      settled = true;
    });
    while (!settled) {
      await vi.advanceTimersToNextTimerAsync();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await started;
  } finally {
    vi.useRealTimers();
  }
}
