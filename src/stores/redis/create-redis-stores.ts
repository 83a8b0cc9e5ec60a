import { Redis } from 'ioredis';
import { GatewayError } from '../../core/errors.js';
import type { GatewayStores } from '../../core/stores.js';
import { redactRedisUrl } from './redact-redis-url.js';
import { createRedisKeySpace, DEFAULT_REDIS_KEY_PREFIX } from './redis-key-space.js';
import { createRedisMessageBus } from './redis-message-bus.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';
import { createRedisPendingToolStore } from './redis-pending-tool-store.js';
import { createRedisRunDirectory } from './redis-run-directory.js';
import { createRedisRunEventLogStore } from './redis-run-event-log-store.js';
import { createRedisRunLeaseStore } from './redis-run-lease-store.js';
import { createRedisSessionStore } from './redis-session-store.js';

/** Options of `createRedisStores`. */
export interface RedisStoresOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prefix of every key and channel (default `aag:`); separate gateways sharing a Redis. */
  keyPrefix?: string;
  /** How long `connect()` waits before failing with `store_unavailable` (default 5 000 ms). */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts after a blip (default 2 000 ms). */
  maxReconnectDelayMs?: number;
  /** See `RedisRunEventLogStoreOptions.blockMs`. */
  readBlockMs?: number;
  /** Told about connection errors and failing bus handlers (default: stderr). */
  onError?: (error: unknown, where: string) => void;
}

/** The Redis store bundle, with the client it runs on (for health checks of your own). */
export interface RedisStores extends GatewayStores {
  readonly client: Redis;
  /** The URL without credentials. */
  readonly displayUrl: string;
}

const validate = (options: RedisStoresOptions): void => {
  const fail = (message: string): never => {
    throw new GatewayError('invalid_option', `createRedisStores: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('an options object is required');
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    fail(`url must be a redis:// or rediss:// URL, got ${redactRedisUrl(String(options.url))}`);
  }
  for (const name of ['connectTimeoutMs', 'maxReconnectDelayMs', 'readBlockMs'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      fail(`${name} must be a positive number, got ${JSON.stringify(value)}`);
    }
  }
};

/**
 * Creates the shared (multi-instance) store bundle on one Redis: sessions, pending tools, bus,
 * run event logs, run directory and run leases. Nothing connects until `connect()` (the gateway calls it
 * from `start()`), which fails within `connectTimeoutMs` with a `store_unavailable` error that
 * names the URL without its credentials. After that, a lost connection is retried with capped
 * exponential backoff; commands issued meanwhile wait in ioredis' offline queue.
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  validate(options);
  const displayUrl = redactRedisUrl(options.url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const onError =
    options.onError ??
    ((error: unknown, where: string) => console.error(`[ai-agent-gateway] redis ${where}:`, error));
  const keys = createRedisKeySpace(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
  });
  const subscriber = client.duplicate();
  let lastReported = '';
  // Until `connect()` has succeeded, failures belong to it: it rejects with one clean message
  // (naming the first cause) instead of a report per attempt.
  let connectedOnce = false;
  let firstStartupError: Error | undefined;
  const reportOnce = (where: string) => (error: Error) => {
    if (!connectedOnce) {
      firstStartupError ??= error;
      return;
    }
    // A down Redis fails every retry the same way: report each distinct failure once.
    if (error.message === lastReported) return;
    lastReported = error.message;
    onError(new Error(`${displayUrl}: ${error.message}`, { cause: error }), where);
  };
  client.on('error', reportOnce('connection'));
  subscriber.on('error', reportOnce('subscriber connection'));
  client.on('ready', () => {
    lastReported = '';
  });

  const sessions = createRedisSessionStore({ client, keys });
  const pendingTools = createRedisPendingToolStore({ client, keys });
  const bus = createRedisMessageBus({
    publisher: client,
    subscriber,
    keys,
    onHandlerError: (error, channel) => onError(error, `bus handler for ${channel}`),
  });
  const runEvents = createRedisRunEventLogStore({
    client,
    keys,
    ...(options.readBlockMs === undefined ? {} : { blockMs: options.readBlockMs }),
  });
  const runDirectory = createRedisRunDirectory({ client, keys });
  const runLeases = createRedisRunLeaseStore({ client, keys });
  let connecting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const connectOne = async (connection: Redis): Promise<void> => {
    if (connection.status === 'ready') return;
    if (connection.status === 'wait') await connection.connect();
    else await connection.ping();
  };

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        );
      });
      try {
        await Promise.race([Promise.all([connectOne(client), connectOne(subscriber)]), timeout]);
        connectedOnce = true;
      } catch (error) {
        client.disconnect();
        subscriber.disconnect();
        const cause = firstStartupError ?? error;
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new GatewayError('store_unavailable', `Redis at ${displayUrl} is unreachable: ${reason}`, {
          cause: error,
        });
      } finally {
        clearTimeout(timer);
      }
    })();
    return connecting;
  };

  return {
    client,
    displayUrl,
    sessions,
    pendingTools,
    bus,
    runEvents,
    runDirectory,
    runLeases,
    connect,
    createRateLimiter: (spec) => createRedisRateLimiter({ ...spec, client, keys }),
    close() {
      closing ??= (async () => {
        await Promise.allSettled([bus.close(), runEvents.close(), sessions.close(), pendingTools.close()]);
        await Promise.allSettled([runDirectory.close(), runLeases.close()]);
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client.disconnect();
      })();
      return closing;
    },
  };
}
