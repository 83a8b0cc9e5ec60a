import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageBus } from '../../core/stores.js';

/** First pause between two publishes; doubled each time up to `MAX_INTERVAL_MS`. */
const FIRST_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 1_000;

/**
 * Publishes `payload` until a subscriber received it (the bus counts one or more receivers, or
 * cannot count) or `signal` aborts; publish failures (Redis unreachable) count as unheard.
 * Resolves true once heard, false when aborted first. For idempotent messages only (a cancel):
 * a subscriber may receive a repeat.
 */
export async function publishUntilHeard(
  bus: MessageBus,
  channel: string,
  payload: unknown,
  signal: AbortSignal,
): Promise<boolean> {
  let interval = FIRST_INTERVAL_MS;
  while (!signal.aborted) {
    const receivers = await bus.publish(channel, payload).catch(() => 0);
    if (receivers === undefined || receivers > 0) return true;
    try {
      await sleep(interval, undefined, { signal });
    } catch {
      return false;
    }
    interval = Math.min(interval * 2, MAX_INTERVAL_MS);
  }
  return false;
}
