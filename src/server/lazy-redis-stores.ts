import { GatewayError } from '../core/errors.js';
import type { GatewayStores, RateLimiter, RateLimiterSpec } from '../core/stores.js';
import { parseRedisStoresOptions, type RedisStoresOptions } from '../stores/redis/redis-stores-options.js';

/**
 * Redis stores that load `ioredis` only when the app starts: a gateway on the in-memory default
 * never loads the Redis client. Every store is a stand-in whose methods forward to the real one
 * once `connect()` (called by the app's `start()`, before any request is served) has loaded and
 * connected it; calling a store earlier fails with `store_unavailable`.
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
    createRateLimiter: (spec: RateLimiterSpec): RateLimiter => {
      let limiter: RateLimiter | undefined;
      return forward(() => {
        const create = current().createRateLimiter;
        if (create === undefined)
          throw new GatewayError('store_unavailable', 'the Redis stores lack rate limits');
        return (limiter ??= create(spec));
      });
    },
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
