import { z } from 'zod';
import { callable, parseOptions, positiveNumber } from '../../core/parse-options.js';

/** The options of `createRedisStores` (checked without loading ioredis). */
export const redisStoresOptionsSchema = z.strictObject({
  /** `redis://[:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: z.string().regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' }),
  /** Prefix of every key and channel (default `aag:`); separate gateways sharing a Redis. */
  keyPrefix: z.string().optional(),
  /** How long `connect()` waits before failing with `store_unavailable` (default 5 000 ms). */
  connectTimeoutMs: positiveNumber().default(5_000),
  /** Longest pause between reconnect attempts after a blip (default 2 000 ms). */
  maxReconnectDelayMs: positiveNumber().default(2_000),
  /** See `RedisRunEventLogStoreOptions.blockMs`. */
  readBlockMs: positiveNumber().optional(),
  /** Told about connection errors and failing bus handlers (default: stderr). */
  onError: callable<(error: unknown, where: string) => void>().optional(),
});

/** Options of `createRedisStores`. */
export type RedisStoresOptions = z.input<typeof redisStoresOptionsSchema>;

/**
 * Checks the options of the Redis stores and applies the defaults. A bad URL is refused without
 * echoing it, since it may hold a password.
 */
export function parseRedisStoresOptions(
  options: RedisStoresOptions,
): z.output<typeof redisStoresOptionsSchema> {
  return parseOptions(redisStoresOptionsSchema, options, 'createRedisStores');
}
