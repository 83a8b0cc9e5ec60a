import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { z } from 'zod';
import type { RedisClient } from './redis-client.js';
import type { redisStoresOptionsSchema } from './redis-stores-options.js';

type Settings = z.output<typeof redisStoresOptionsSchema>;

/** The connection settings a `redis://` URL carries: credentials, db, TLS. */
const fromUrl = (url: string): RedisOptions => {
  const parsed = new URL(url);
  const db = Number(parsed.pathname.slice(1));
  return {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.pathname.length > 1 && Number.isInteger(db) ? { db } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
};

const hostAndPort = (url: string): { host: string; port: number } => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port === '' ? 6379 : Number(parsed.port) };
};

/**
 * Creates the (not yet connected) client of the Redis stores for the configured topology: one
 * server from `url`, a master found through Sentinel, or a Redis Cluster started from `url`
 * (and `clusterNodes`). Reconnects back off exponentially up to `maxReconnectDelayMs`.
 */
export function createRedisClient(settings: Settings): RedisClient {
  const { connectTimeoutMs, maxReconnectDelayMs: maxDelay } = settings;
  const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay);
  if (settings.cluster === true) {
    const { db: _unusedDb, ...redisOptions } = fromUrl(settings.url);
    return new Cluster([settings.url, ...(settings.clusterNodes ?? [])].map(hostAndPort), {
      lazyConnect: true,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...redisOptions, connectTimeout: connectTimeoutMs },
    });
  }
  const common: RedisOptions = { lazyConnect: true, connectTimeout: connectTimeoutMs, retryStrategy };
  const { sentinel } = settings;
  if (sentinel !== undefined) {
    return new Redis({
      ...fromUrl(settings.url),
      ...common,
      name: sentinel.name,
      sentinels: sentinel.sentinels.map((address) => hostAndPort(`redis://${address}`)),
      ...(sentinel.password === undefined ? {} : { sentinelPassword: sentinel.password }),
      sentinelRetryStrategy: retryStrategy,
    });
  }
  return new Redis(settings.url, common);
}
