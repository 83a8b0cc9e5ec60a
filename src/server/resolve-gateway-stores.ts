import { GatewayError } from '../core/errors.js';
import type { GatewayStores } from '../core/stores.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import type { StoreOption } from './gateway-config.js';
import { createLazyRedisStores } from './lazy-redis-stores.js';

/** Options of `resolveGatewayStores`. */
export interface ResolveGatewayStoresOptions {
  stores?: GatewayStores;
  store?: StoreOption;
  /** The environment (default `process.env`); only `REDIS_URL` is read. */
  environment?: Readonly<Record<string, string | undefined>>;
  report: (error: unknown, where: string) => void;
}

/**
 * Picks the stores of an app, in this order: `stores` (given by the caller, who keeps
 * ownership), then `store`, then `REDIS_URL`, then in-memory. `owned` says whether the app must
 * close them.
 */
export function resolveGatewayStores(options: ResolveGatewayStoresOptions): {
  stores: GatewayStores;
  owned: boolean;
} {
  if (options.stores !== undefined) return { stores: options.stores, owned: false };
  const environment = options.environment ?? process.env;
  const store = options.store ?? redisFromEnvironment(environment['REDIS_URL']);
  if (store === undefined || store.type === 'memory') return { stores: createMemoryStores(), owned: true };
  if (store.type !== 'redis') {
    throw new GatewayError('invalid_option', `createGatewayApp: store.type must be "memory" or "redis"`);
  }
  return {
    stores: createLazyRedisStores({
      url: store.url,
      ...(store.keyPrefix === undefined ? {} : { keyPrefix: store.keyPrefix }),
      ...(store.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: store.connectTimeoutMs }),
      onError: options.report,
    }),
    owned: true,
  };
}

const redisFromEnvironment = (url: string | undefined): StoreOption | undefined =>
  url === undefined || url.trim() === '' ? undefined : { type: 'redis', url: url.trim() };
