import type { GatewayStores } from '../core/stores.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import type { ServerSettings } from './contracts/gateway-config.js';
import { createLazyRedisStores } from './lazy-redis-stores.js';

type StoreSetting = ServerSettings['store'];

/** `{ redis: url, ... }` rather than stores given as an object. */
const isRedisStore = (
  store: Exclude<StoreSetting, 'memory'>,
): store is Extract<StoreSetting, { redis: string }> => 'redis' in store && typeof store.redis === 'string';

/**
 * The stores of an app from `server.store`: stores given as an object (their owner keeps them
 * open), else the in-memory or Redis stores it describes. `owned` says whether the app must
 * close them. The environment is not read here: `REDIS_URL` is the CLI's business.
 */
export function resolveGatewayStores(
  store: StoreSetting,
  report: (error: unknown, where: string) => void,
): { stores: GatewayStores; owned: boolean } {
  if (store === 'memory') {
    const onBusHandlerError = (error: unknown, channel: string): void =>
      report(error, `message bus handler for "${channel}"`);
    return { stores: createMemoryStores({ onBusHandlerError }), owned: true };
  }
  if (!isRedisStore(store)) return { stores: store, owned: false };
  const { redis: url, ...redisOptions } = store;
  return { stores: createLazyRedisStores({ url, ...redisOptions, onError: report }), owned: true };
}
