import { z } from 'zod';
import { callable, parseOptions, positiveInteger, positiveNumber } from '../../core/parse-options.js';
import type { RateLimitDecision } from '../../core/rate-limiter.js';
import type { RateLimiter } from '../../core/stores.js';
import { ChurnMap } from '../../core/churn-map.js';

const memoryRateLimiterOptionsSchema = z.strictObject({
  /** Units (requests, tokens) one key may consume per window. */
  limit: positiveInteger(),
  /** Length of a window in ms. */
  windowMs: positiveNumber(),
  /** Clock in milliseconds since the epoch. */
  now: callable<() => number>().default(() => Date.now),
});

/** Options of earlier versions, with what to write instead. */
const RENAMED = new Map([['windowSeconds', "use 'windowMs' (milliseconds)"]]);

/** Options of `createMemoryRateLimiter`. */
export type MemoryRateLimiterOptions = z.input<typeof memoryRateLimiterOptionsSchema>;

/**
 * The in-process `RateLimiter`, whose decisions are known at once: besides the promise of a
 * `RateLimiter`, it decides synchronously (what a request's count uses, with no promise).
 */
export interface MemoryRateLimiter extends RateLimiter {
  /** `consume`, decided at once. */
  consumeNow(key: string, amount?: number): RateLimitDecision;
}

/** Whether `limiter` decides at once (the in-process one). */
export const decidesAtOnce = (limiter: RateLimiter): limiter is MemoryRateLimiter =>
  typeof (limiter as Partial<MemoryRateLimiter>).consumeNow === 'function';

/**
 * Creates an in-process fixed-window `RateLimiter`. Windows are aligned to multiples of
 * `windowMs` since the epoch (as the Redis limiter's are), and a key's counter is replaced
 * when its window has passed, so memory stays bounded by the keys active in one window.
 */
export function createMemoryRateLimiter(given: MemoryRateLimiterOptions): MemoryRateLimiter {
  const options = parseOptions(memoryRateLimiterOptionsSchema, given, 'createMemoryRateLimiter', RENAMED);
  const { limit, windowMs, now } = options;
  const counters = new ChurnMap<string, { window: number; count: number }>();

  const consumeNow = (key: string, amount = 1): RateLimitDecision => {
    const time = now();
    const window = Math.floor(time / windowMs);
    let counter = counters.get(key);
    if (counter === undefined || counter.window !== window) {
      // Drop other stale counters now and then, so that idle keys do not pile up.
      if (counters.size > 1000) {
        for (const [other, value] of counters) if (value.window !== window) counters.delete(other);
      }
      counter = { window, count: 0 };
      counters.set(key, counter);
    }
    counter.count += amount;
    const allowed = amount > 0 ? counter.count <= limit : counter.count < limit;
    const retryAfterMs = (window + 1) * windowMs - time;
    return { allowed, remaining: Math.max(0, limit - counter.count), retryAfterMs };
  };

  return {
    consumeNow,
    consume: (key, amount) => Promise.resolve(consumeNow(key, amount)),
  };
}
