import { GatewayError } from '../core/errors.js';
import type { SlotCounter } from '../core/slot-counter.js';
import type { GatewayStores, RateLimiter, RateLimiterSpec } from '../core/stores.js';
import { parseRedisStoresOptions, type RedisStoresOptions } from '../stores/redis/redis-stores-options.js';

/**
 * Redis stores that load `ioredis` only when the app starts: a gateway on the in-memory default
 * never loads the Redis client. Every store is a stand-in whose methods forward to the real one
 * once `connect()` (called by the app's `start()`, before any request is served) has loaded and
 * connected it; calling a store earlier fails with `store_unavailable`. Every optional member of
 * the Redis stores is offered here too (slot counters above all): a member missing here would
 * leave the app on its in-process fallback, and the thread locks and per-key caps would then
 * hold per instance only.
 */
export function createLazyRedisStores(options: RedisStoresOptions): GatewayStores {
  // Checked now, as the eager stores do: a typo fails at construction, not at start().
  parseRedisStoresOptions(options);
  let loaded: GatewayStores | undefined;
  let loading: Promise<GatewayStores> | undefined;
  let closed = false;

  const current = (): GatewayStores => {
    if (loaded === undefined) {
      throw new GatewayError('store_unavailable', 'the Redis stores are used before the app has started');
    }
    return loaded;
  };
  /** An object whose properties are read from `target()` when they are used. */
  const forward = <T extends object>(target: () => T): T =>
    new Proxy({} as T, {
      get: (_stand_in, key) => {
        const real = target();
        const value: unknown = Reflect.get(real, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
      },
    });
  const member = <K extends keyof GatewayStores>(key: K): NonNullable<GatewayStores[K]> =>
    forward(() => {
      const value = current()[key];
      if (value === undefined) throw new GatewayError('store_unavailable', `the Redis stores lack ${key}`);
      return value;
    });

  return {
    sessions: member('sessions'),
    pendingAnswers: member('pendingAnswers'),
    bus: member('bus'),
    runEvents: member('runEvents'),
    runDirectory: member('runDirectory'),
    runLeases: member('runLeases'),
    runBookkeeping: member('runBookkeeping'),
    budgetCounters: member('budgetCounters'),
    createRateLimiter: (spec: RateLimiterSpec): RateLimiter => {
      let limiter: RateLimiter | undefined;
      return forward(() => {
        const create = current().createRateLimiter;
        if (create === undefined)
          throw new GatewayError('store_unavailable', 'the Redis stores lack rate limits');
        return (limiter ??= create(spec));
      });
    },
    createSlotCounter: (name: string): SlotCounter => lazySlotCounter(() => current(), name),
    roundTrips: (): number => loaded?.roundTrips?.() ?? 0,
    // Before start() nothing is loaded, and requests are not served yet.
    isAvailable: (): boolean => loaded?.isAvailable?.() ?? true,
    connect: async (): Promise<void> => {
      if (closed) throw new GatewayError('store_unavailable', 'the Redis stores are closed');
      loading ??= import('../stores/redis/create-redis-stores.js').then(({ createRedisStores }) =>
        createRedisStores(options),
      );
      const stores = await loading;
      await stores.connect?.();
      loaded = stores;
    },
    close: async (): Promise<void> => {
      closed = true;
      if (loading === undefined) return;
      const stores = await loading.catch(() => undefined);
      await stores?.close();
    },
  };
}

/**
 * A slot counter that makes the real one at its first use. A plain object rather than a
 * forwarding proxy: the run caps look for an in-process counter's `acquireNow` at construction,
 * before the stores are loaded, and must find none.
 */
function lazySlotCounter(stores: () => GatewayStores, name: string): SlotCounter {
  let counter: SlotCounter | undefined;
  const real = (): SlotCounter => {
    if (counter !== undefined) return counter;
    const create = stores().createSlotCounter;
    if (create === undefined)
      throw new GatewayError('store_unavailable', 'the Redis stores lack slot counters');
    counter = create(name);
    return counter;
  };
  return {
    acquire: async (key, member, options) => real().acquire(key, member, options),
    release: async (key, member) => real().release(key, member),
    count: async (key) => real().count(key),
    holders: async (key) => real().holders(key),
  };
}
