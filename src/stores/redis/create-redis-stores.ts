import { createRedisBudgetCounters } from './redis-budget-counters.js';
import { Cluster } from 'ioredis';
import { createRedisClient } from './create-redis-client.js';
import type { RedisClient } from './redis-client.js';
import { GatewayError } from '../../core/errors.js';
import { parseRedisStoresOptions, type RedisStoresOptions } from './redis-stores-options.js';
import type { GatewayStores } from '../../core/stores.js';
import { redactRedisUrl } from './redact-redis-url.js';
import { countRoundTrips } from './count-round-trips.js';
import { createRedisKeySpace } from './redis-key-space.js';
import { createRedisMessageBus } from './redis-message-bus.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';
import { createRedisPendingAnswerStore } from './redis-pending-answer-store.js';
import { createRedisRunBookkeeping } from './redis-run-bookkeeping.js';
import { createRedisRunDirectory } from './redis-run-directory.js';
import { createRedisRunEventLogStore } from './redis-run-event-log-store.js';
import { createRedisRunLeaseStore } from './redis-run-lease-store.js';
import { createRedisSessionStore } from './redis-session-store.js';
import { createRedisSlotCounter } from './redis-slot-counter.js';

export type { RedisStoresOptions } from './redis-stores-options.js';

/** The Redis store bundle, with the client it runs on (for health checks of your own). */
export interface RedisStores extends GatewayStores {
  readonly client: RedisClient;
  /** The URL without credentials. */
  readonly displayUrl: string;
  /** Round trips made to Redis so far, by every connection of the bundle (a pipeline counts once). */
  roundTrips(): number;
  /** Whether the connection is up now (false while ioredis reconnects). */
  isAvailable(): boolean;
}

/**
 * Creates the shared (multi-instance) store bundle on one Redis (a single server, a master
 * behind Sentinel, or a Redis Cluster): sessions, pending tools, bus,
 * run event logs, run directory and run leases. Nothing connects until `connect()` (the gateway calls it
 * from `start()`), which fails within `connectTimeoutMs` with a `store_unavailable` error that
 * names the URL without its credentials. After that, a lost connection is retried with capped
 * exponential backoff; commands issued meanwhile wait in ioredis' offline queue.
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const settings = parseRedisStoresOptions(options);
  const displayUrl = redactRedisUrl(settings.url);
  const { connectTimeoutMs } = settings;
  const onError =
    settings.onError ??
    ((error: unknown, where: string) => console.error(`[ai-agent-gateway] redis ${where}:`, error));
  const keys = createRedisKeySpace(settings.keyPrefix, {
    hashTags: settings.cluster === true,
  });
  const client = createRedisClient(settings);
  const roundTrips = countRoundTrips(client);
  // On a Cluster the bus uses sharded pub/sub (SSUBSCRIBE / SPUBLISH): a channel lives on the
  // node of its slot, so SPUBLISH's receiver count covers every subscriber (a plain PUBLISH
  // counts only those connected to the node it was sent to).
  const subscriber =
    client instanceof Cluster ? client.duplicate([], { shardedSubscribers: true }) : client.duplicate();
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
  const pendingAnswers = createRedisPendingAnswerStore({ client, keys });
  const bus = createRedisMessageBus({
    publisher: client,
    subscriber,
    sharded: client instanceof Cluster,
    keys,
    onHandlerError: (error, channel) => onError(error, `bus handler for ${channel}`),
  });
  const runEvents = createRedisRunEventLogStore({
    client,
    keys,
    blockMs: settings.readBlockMs,
  });
  const runDirectory = createRedisRunDirectory({ client, keys });
  const runLeases = createRedisRunLeaseStore({ client, keys });
  const runBookkeeping = createRedisRunBookkeeping({
    client,
    keys,
    cluster: client instanceof Cluster,
    directory: runDirectory,
    leases: runLeases,
  });
  let connecting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const connectOne = async (connection: RedisClient): Promise<void> => {
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
    pendingAnswers,
    bus,
    runEvents,
    runDirectory,
    runLeases,
    runBookkeeping,
    connect,
    roundTrips,
    createRateLimiter: (spec) => createRedisRateLimiter({ ...spec, client, keys }),
    createSlotCounter: (name) => createRedisSlotCounter({ client, keys, name }),
    budgetCounters: createRedisBudgetCounters({ client, keys }),
    // Commands sent while the connection is down would wait in ioredis' offline queue.
    isAvailable: () => client.status === 'ready',
    close() {
      closing ??= (async () => {
        await Promise.allSettled([bus.close(), runEvents.close(), sessions.close(), pendingAnswers.close()]);
        await Promise.allSettled([runDirectory.close(), runLeases.close()]);
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client.disconnect();
      })();
      return closing;
    },
  };
}
