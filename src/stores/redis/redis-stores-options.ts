import { z } from 'zod';
import { callable, parseOptions, positiveNumber } from '../../core/parse-options.js';

const redisUrl = () => z.string().regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' });

/** Redis behind Sentinel: where the sentinels are and which master group to follow. */
export const redisSentinelSchema = z.strictObject({
  /** The master group name the sentinels monitor (`sentinel monitor <name> ...`). */
  name: z.string().min(1),
  /** The sentinels, `host:port` each (at least one; list several). */
  sentinels: z.array(z.string().regex(/^[^:\s]+:\d+$/, { message: 'must be host:port' })).min(1),
  /** The sentinels' own password, when they require one. */
  password: z.string().optional(),
});

/** The options of `createRedisStores` (checked without loading ioredis). */
export const redisStoresOptionsSchema = z
  .strictObject({
    /**
     * `redis://[[user]:password@]host:port[/db]` (or `rediss://` for TLS). With `cluster`, one
     * node of the cluster; with `sentinel`, only its credentials, db and scheme are used.
     */
    url: redisUrl(),
    /**
     * The URL is a node of a Redis Cluster: the other nodes are discovered from it, commands go
     * to the node of their key's hash slot, and keys carry hash tags so that a run's (and a
     * session's) keys share a slot. Off by default (one server).
     */
    cluster: z.boolean().optional(),
    /** More nodes of the cluster to start from, should the one in `url` be down (same URL form). */
    clusterNodes: z.array(redisUrl()).optional(),
    /** The master is found through Sentinel (and followed when it fails over). */
    sentinel: redisSentinelSchema.optional(),
    /** Prefix of every key and channel; separate gateways sharing a Redis. */
    keyPrefix: z.string().default('aag:'),
    /** How long `connect()` waits before failing with `store_unavailable`, in ms. */
    connectTimeoutMs: positiveNumber().default(5_000),
    /** Longest pause between reconnect attempts after a blip, in ms. */
    maxReconnectDelayMs: positiveNumber().default(2_000),
    /**
     * How long one blocking XREAD of a stream reader waits before it checks that the run's log
     * still exists, in ms.
     */
    readBlockMs: positiveNumber().default(5_000),
    /** Told about connection errors and failing bus handlers; without it, standard error. */
    onError: callable<(error: unknown, where: string) => void>().optional(),
  })
  .refine((options) => !(options.cluster === true && options.sentinel !== undefined), {
    message: 'cluster and sentinel exclude each other',
  })
  .refine((options) => options.clusterNodes === undefined || options.cluster === true, {
    message: 'clusterNodes needs cluster: true',
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
