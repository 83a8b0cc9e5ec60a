import type { z } from 'zod';
import type { GatewayStores } from '../core/stores.js';
import type { GatewayServerConfig, StoreOption } from './gateway-config.js';
import type { gatewayHooksSchema, serverSpecSchema, storeSchema } from './server-spec.js';

type ParsedServer = z.output<typeof serverSpecSchema>;
type ParsedStore = z.output<typeof storeSchema>;

/** `store` as the app's store resolution takes it: an option to build from, or stores to use. */
const toStores = (store: ParsedStore | undefined): { store?: StoreOption; stores?: GatewayStores } => {
  if (store === undefined || store === 'memory') return { store: { type: 'memory' } };
  if ('redis' in store && typeof store.redis === 'string') {
    return {
      store: {
        type: 'redis',
        url: store.redis,
        ...(store.keyPrefix === undefined ? {} : { keyPrefix: store.keyPrefix }),
        ...(store.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: store.connectTimeoutMs }),
        ...(store.cluster === undefined ? {} : { cluster: store.cluster }),
        ...(store.clusterNodes === undefined ? {} : { clusterNodes: store.clusterNodes }),
        ...(store.sentinel === undefined ? {} : { sentinel: store.sentinel }),
      },
    };
  }
  return { stores: store as GatewayStores };
};

/** Seconds for the parts of the server that count in seconds (Redis TTLs, rate windows). */
const seconds = (ms: number): number => ms / 1000;

/**
 * The internal configuration of the server from a parsed `server` group and gateway hooks.
 * Everything here was checked by the schemas; this only renames and converts units.
 */
export function toServerSettings(
  server: ParsedServer | undefined,
  hooks: z.output<typeof gatewayHooksSchema> | undefined,
): Omit<GatewayServerConfig, 'buildChatRuntime'> {
  const { sessionTtlMs, store, rateLimit, tokenBudget, sessionRateLimit, ...same } = server ?? {};
  const defined = Object.fromEntries(
    Object.entries({ ...same, ...hooks }).filter(([, value]) => value !== undefined),
  ) as Partial<GatewayServerConfig>;
  return {
    ...defined,
    ...toStores(store),
    ...(sessionTtlMs === undefined ? {} : { sessionTtl: seconds(sessionTtlMs) }),
    ...(rateLimit === undefined
      ? {}
      : { rateLimit: { requests: rateLimit.requests, windowSeconds: seconds(rateLimit.windowMs) } }),
    ...(tokenBudget === undefined
      ? {}
      : { tokenBudget: { tokens: tokenBudget.tokens, windowSeconds: seconds(tokenBudget.windowMs) } }),
    ...(sessionRateLimit === undefined
      ? {}
      : {
          sessionRateLimit: {
            sessions: sessionRateLimit.sessions,
            windowSeconds: seconds(sessionRateLimit.windowMs),
          },
        }),
  };
}
