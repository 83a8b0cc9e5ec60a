/**
 * The shape `server.database` took before `DatabaseStores`: a `ThreadStore` carrying the
 * database's other stores beside its threads. A `ThreadStore` no longer has these fields; only
 * `createMemoryThreadStore` and `openThreadStore` still return a store that carries them, and
 * only `databaseStoresOf` (`src/agent-spec/database-stores-of.ts`, where a database is handed in)
 * reads them, warning once that the shape is deprecated.
 */

import type { ApprovalInboxStore } from '../core/approval-inbox-store.js';
import type { BackgroundRunStore } from '../core/background-run-store.js';
import type { DatabaseStores } from '../core/database-stores.js';
import type { HeartbeatTickStore } from '../core/heartbeat-tick-store.js';
import type { QueuedRunStore } from '../core/queued-run-store.js';
import type { ScheduleStore } from '../core/schedule-store.js';
import type { SuspendedRunStore } from '../core/suspended-run-store.js';
import type { ThreadStore } from '../core/thread-store.js';

/**
 * @deprecated The database's other stores as a `ThreadStore` used to carry them: give a
 * `DatabaseStores` instead (`createMemoryDatabase`, `openSqlDatabase`), where the inbox is
 * `approvals`.
 */
export interface CarriedStores {
  /** @deprecated Give it as `DatabaseStores.suspendedRuns`. */
  readonly suspendedRuns?: SuspendedRunStore;
  /** @deprecated Give it as `DatabaseStores.backgroundRuns`. */
  readonly backgroundRuns?: BackgroundRunStore;
  /** @deprecated Give it as `DatabaseStores.schedules`. */
  readonly schedules?: ScheduleStore;
  /** @deprecated Give it as `DatabaseStores.heartbeats`. */
  readonly heartbeats?: HeartbeatTickStore;
  /** @deprecated Give it as `DatabaseStores.queuedRuns`. */
  readonly queuedRuns?: QueuedRunStore;
  /** @deprecated Give it as `DatabaseStores.approvals`. */
  readonly approvalInbox?: ApprovalInboxStore;
}

/** A `ThreadStore` carrying the database's other stores: the deprecated shape of a database. */
export type CarryingThreadStore = ThreadStore & CarriedStores;

/** The field names of `CarriedStores`, for the adapter that reads them. */
export const CARRIED_STORE_NAMES = [
  'suspendedRuns',
  'backgroundRuns',
  'schedules',
  'heartbeats',
  'queuedRuns',
  'approvalInbox',
] as const satisfies ReadonlyArray<keyof CarriedStores>;

/**
 * The thread store of `database` carrying its other stores (`CarriedStores`), for the functions
 * that still return that shape: the thread store's own properties (an object of its own
 * methods, not a class instance) beside the others, the inbox as `approvalInbox`.
 */
export function threadStoreCarrying<Threads extends ThreadStore>(
  database: DatabaseStores & { readonly threads: Threads },
): Threads & CarriedStores {
  const { threads, approvals } = database;
  return {
    ...threads,
    ...(database.suspendedRuns === undefined ? {} : { suspendedRuns: database.suspendedRuns }),
    ...(database.backgroundRuns === undefined ? {} : { backgroundRuns: database.backgroundRuns }),
    ...(database.schedules === undefined ? {} : { schedules: database.schedules }),
    ...(database.heartbeats === undefined ? {} : { heartbeats: database.heartbeats }),
    ...(database.queuedRuns === undefined ? {} : { queuedRuns: database.queuedRuns }),
    ...(approvals === undefined ? {} : { approvalInbox: approvals }),
  };
}
