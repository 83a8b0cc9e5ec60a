import type { RedisClient } from './redis-client.js';
import { runLuaScript } from './run-lua-script.js';
import type { RateLimiter, RateLimiterSpec } from '../../core/stores.js';
import type { RedisKeySpace } from './redis-key-space.js';

/** Adds ARGV[1] to the window's counter and gives it the window's lifetime on first use. */
const CONSUME_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
return count`;

/** Options of `createRedisRateLimiter`. */
export interface RedisRateLimiterOptions extends RateLimiterSpec {
  client: RedisClient;
  keys: RedisKeySpace;
  /** Clock in milliseconds since the epoch; `Date.now` unless given. */
  now?: () => number;
}

/**
 * Creates a fixed-window `RateLimiter` on Redis counters, shared by every instance. Windows
 * are aligned to multiples of `windowMs` since the epoch, so all instances agree on them
 * without coordination; each counter expires with its window.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { client, keys, name, limit, windowMs } = options;
  const now = options.now ?? Date.now;
  // The counter's TTL in whole seconds (Redis' EXPIRE), outliving its window by a second.
  const ttlSeconds = Math.ceil(windowMs / 1000) + 1;
  return {
    async consume(key, amount = 1) {
      const time = now();
      const window = Math.floor(time / windowMs);
      const count = Number(
        await runLuaScript(
          client,
          CONSUME_SCRIPT,
          1,
          keys.rateWindow(name, key, window),
          String(amount),
          String(ttlSeconds),
        ),
      );
      const allowed = amount > 0 ? count <= limit : count < limit;
      const retryAfterMs = (window + 1) * windowMs - time;
      return { allowed, remaining: Math.max(0, limit - count), retryAfterMs };
    },
  };
}
