/**
 * The database as the gateway reads it: one aggregate of its stores (`server.database`), threads
 * beside runs suspended, background runs, schedules, heartbeats, queued runs and the approval
 * inbox. Each store is optional but `threads`: a database without one lacks that feature only.
 */

import type { ApprovalInboxStore } from './approval-inbox-store.js';
import type { BackgroundRunStore } from './background-run-store.js';
import type { HeartbeatTickStore } from './heartbeat-tick-store.js';
import type { QueuedRunStore } from './queued-run-store.js';
import type { ScheduleStore } from './schedule-store.js';
import type { SuspendedRunStore } from './suspended-run-store.js';
import type { ThreadStore } from './thread-store.js';
import type { SessionRevocationStore } from './session-revocation-store.js';
import type { BudgetCounterStore } from './budget-counter-store.js';

/** The stores of one database, closed together. */
export interface DatabaseStores {
  /** Threads, their messages, the record of runs and of approval decisions. */
  readonly threads: ThreadStore;
  /**
   * Runs suspended while they wait for an answer (see `SuspendedRunStore`). Without it waiting
   * runs stay in memory, as without a database.
   */
  readonly suspendedRuns?: SuspendedRunStore;
  /**
   * Background runs (`POST /runs`) and the outbox of their webhooks. Without it background runs
   * start all the same, but no runs are listed by owner and no webhooks are sent.
   */
  readonly backgroundRuns?: BackgroundRunStore;
  /** Schedules (`/schedules`), fired as background runs. Without it there are no schedules. */
  readonly schedules?: ScheduleStore;
  /** Heartbeat ticks shared by a cluster (`HeartbeatLoop` with a database). */
  readonly heartbeats?: HeartbeatTickStore;
  /** Enqueued runs waiting for their session, kept until they start (see `QueuedRunStore`). */
  readonly queuedRuns?: QueuedRunStore;
  /**
   * Every approval a recorded run asks for, and its answer: what `GET /approvals` lists. Without
   * it there is no inbox (the routes answer 404 `inbox_unavailable`).
   */
  readonly approvals?: ApprovalInboxStore;
  /**
   * Resolves once the database answered a trivial statement, rejects when it cannot be reached:
   * what readiness probes ask (`GET /health/ready`). Absent: the database is taken as reachable.
   */
  ping?(): Promise<void>;
  /**
   * Sessions ended early (logout), so that a restart which forgot sessions kept in memory still
   * refuses their tokens. Without it a logout lasts as long as the session store keeps it.
   */
  readonly sessionRevocations?: SessionRevocationStore;
  /**
   * Budget counters, reservations and the spend ledger, shared by every instance on the database.
   * Without it (and without Redis) budgets are counted per process.
   */
  readonly budgetCounters?: BudgetCounterStore;
  /** Closes the database, every store with it (the embedded engine flushes). Idempotent. */
  close(): Promise<void>;
}

/** Whether a value is a `DatabaseStores` aggregate: an object whose `threads` has a `close` and which has one too. */
export const isDatabaseStores = (value: unknown): value is DatabaseStores => {
  if (typeof value !== 'object' || value === null) return false;
  const threads: unknown = Reflect.get(value, 'threads');
  return (
    typeof Reflect.get(value, 'close') === 'function' &&
    typeof threads === 'object' &&
    threads !== null &&
    typeof Reflect.get(threads, 'close') === 'function'
  );
};
