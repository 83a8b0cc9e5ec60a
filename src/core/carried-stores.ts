/**
 * The stores a `ThreadStore` used to carry beside its threads, kept on it so that a store of
 * your own written that way still compiles and is still read (`databaseStoresOf`). The database's
 * stores are one aggregate now, `DatabaseStores`: the gateway reads none of these fields elsewhere.
 */

import type { ApprovalInboxStore } from './approval-inbox-store.js';
import type { BackgroundRunStore } from './background-run-store.js';
import type { HeartbeatTickStore } from './heartbeat-tick-store.js';
import type { QueuedRunStore } from './queued-run-store.js';
import type { ScheduleStore } from './schedule-store.js';
import type { SuspendedRunStore } from './suspended-run-store.js';

/** The database's other stores, as a `ThreadStore` may still carry them. */
export interface CarriedStores {
  /** @deprecated Give it as `DatabaseStores.suspendedRuns`; read from here by `databaseStoresOf`. */
  readonly suspendedRuns?: SuspendedRunStore;
  /** @deprecated Give it as `DatabaseStores.backgroundRuns`; read from here by `databaseStoresOf`. */
  readonly backgroundRuns?: BackgroundRunStore;
  /** @deprecated Give it as `DatabaseStores.schedules`; read from here by `databaseStoresOf`. */
  readonly schedules?: ScheduleStore;
  /** @deprecated Give it as `DatabaseStores.heartbeats`; read from here by `databaseStoresOf`. */
  readonly heartbeats?: HeartbeatTickStore;
  /** @deprecated Give it as `DatabaseStores.queuedRuns`; read from here by `databaseStoresOf`. */
  readonly queuedRuns?: QueuedRunStore;
  /** @deprecated Give it as `DatabaseStores.approvals`; read from here by `databaseStoresOf`. */
  readonly approvalInbox?: ApprovalInboxStore;
}
