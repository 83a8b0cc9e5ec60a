import type { GatewayStores } from '../core/stores.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import type { StoreOption } from './gateway-config.js';
import { createLazyRedisStores } from './lazy-redis-stores.js';

/** Options of `resolveGatewayStores`. */
export interface ResolveGatewayStoresOptions {
  stores?: GatewayStores;
  store?: StoreOption;
  report: (error: unknown, where: string) => void;
}

/**
 * Picks the stores of an app: `stores` (given by the caller, who keeps ownership), else the ones
 * `store` describes (in-memory by default). `owned` says whether the app must close them. The
 * environment is not read here: `REDIS_URL` is the CLI's business.
 */
export function resolveGatewayStores(options: ResolveGatewayStoresOptions): {
  stores: GatewayStores;
  owned: boolean;
} {
  if (options.stores !== undefined) return { stores: options.stores, owned: false };
  const store = options.store;
  if (store === undefined || store.type === 'memory') {
    const onBusHandlerError = (error: unknown, channel: string): void =>
      options.report(error, `message bus handler for "${channel}"`);
    return { stores: createMemoryStores({ onBusHandlerError }), owned: true };
  }
  return {
    stores: createLazyRedisStores({
      url: store.url,
      ...(store.keyPrefix === undefined ? {} : { keyPrefix: store.keyPrefix }),
      ...(store.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: store.connectTimeoutMs }),
      ...(store.cluster === undefined ? {} : { cluster: store.cluster }),
      ...(store.clusterNodes === undefined ? {} : { clusterNodes: store.clusterNodes }),
      ...(store.sentinel === undefined ? {} : { sentinel: store.sentinel }),
      onError: options.report,
    }),
    owned: true,
  };
}
