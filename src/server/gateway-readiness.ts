import type { GatewayStores } from '../core/stores.js';
import type { GatewayDatabase } from './database/gateway-database.js';
import type { GatewayState } from './gateway-parts.js';
import type { Readiness } from './contracts/readiness.js';

/** How long readiness waits for the database to answer its ping, in ms. */
export const READINESS_PING_TIMEOUT_MS = 800;

/** What readiness reads of the app. */
export interface GatewayReadinessSource {
  state: Pick<GatewayState, 'draining' | 'closing' | 'started' | 'startFailed'>;
  stores: Pick<GatewayStores, 'isAvailable'>;
  database: Pick<GatewayDatabase, 'unready'>;
}

/**
 * Whether this instance should get traffic, in the order that decides it: draining (a shutdown
 * began, `server.shutdown.drainDelayMs` included), a failed start, a start under way (or waiting
 * for someone else's migrations), the shared store (Redis) out of reach, the database out of
 * reach. Only the status and the component's name leave the process: no address, no error text.
 */
export function createGatewayReadiness(source: GatewayReadinessSource): () => Promise<Readiness> {
  const { state, stores, database } = source;
  return async () => {
    if (state.draining || state.closing !== undefined) return { status: 'draining' };
    if (state.startFailed) return { status: 'unavailable', component: 'startup' };
    if (!state.started) {
      const waiting = await database.unready(READINESS_PING_TIMEOUT_MS);
      return waiting === 'migrations'
        ? { status: 'unavailable', component: 'migrations' }
        : { status: 'starting' };
    }
    if (stores.isAvailable?.() === false) return { status: 'unavailable', component: 'redis' };
    const failing = await database.unready(READINESS_PING_TIMEOUT_MS);
    return failing === undefined ? { status: 'ready' } : { status: 'unavailable', component: failing };
  };
}
