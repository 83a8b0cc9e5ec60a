/**
 * The one adapter from the deprecated shape of a database handed in (a `ThreadStore` carrying
 * the other stores, `CarriedStores`) to the aggregate the gateway reads (`DatabaseStores`). It
 * runs where a database is handed in (`server.database`, `runAutonomous`'s and `HeartbeatLoop`'s
 * `database`); nothing past that edge knows the old shape.
 */

import { isDatabaseStores, type DatabaseStores } from '../core/database-stores.js';
import type { ThreadStore } from '../core/thread-store.js';
import { CARRIED_STORE_NAMES, type CarriedStores } from '../database/carried-stores.js';

/** The code of the warning a database handed in the deprecated shape gets. */
export const CARRIED_STORES_WARNING_CODE = 'AGENT_GATEWAY_CARRIED_STORES';

const CARRIED_STORES_WARNING =
  "A ThreadStore carrying the database's other stores (suspendedRuns, approvalInbox, ...) is deprecated: give a DatabaseStores ({ threads, suspendedRuns, approvals, ... }, as createMemoryDatabase() and openSqlDatabase() return).";

let warned = false;

/** Warns once per process, as Node warns of its own deprecations (`process.emitWarning`). */
function warnOfCarriedStores(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(CARRIED_STORES_WARNING, {
    type: 'DeprecationWarning',
    code: CARRIED_STORES_WARNING_CODE,
  });
}

/** Whether `store` carries any of the database's other stores itself. */
const carriesStores = (store: ThreadStore & CarriedStores): boolean =>
  CARRIED_STORE_NAMES.some((name) => store[name] !== undefined);

/**
 * The aggregate of a database handed in: an aggregate as it is; a `ThreadStore` as the
 * aggregate of it (`threads`) and the stores it carries, read once, the inbox as `approvals`.
 * A thread store that carries any store gets a `DeprecationWarning` (once per process).
 */
export function databaseStoresOf(store: ThreadStore | DatabaseStores): DatabaseStores {
  if (isDatabaseStores(store)) return store;
  const carried: ThreadStore & CarriedStores = store;
  if (carriesStores(carried)) warnOfCarriedStores();
  return {
    threads: store,
    ...(carried.suspendedRuns === undefined ? {} : { suspendedRuns: carried.suspendedRuns }),
    ...(carried.backgroundRuns === undefined ? {} : { backgroundRuns: carried.backgroundRuns }),
    ...(carried.schedules === undefined ? {} : { schedules: carried.schedules }),
    ...(carried.heartbeats === undefined ? {} : { heartbeats: carried.heartbeats }),
    ...(carried.queuedRuns === undefined ? {} : { queuedRuns: carried.queuedRuns }),
    ...(carried.approvalInbox === undefined ? {} : { approvals: carried.approvalInbox }),
    close: () => store.close(),
  };
}
