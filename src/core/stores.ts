/**
 * Storage contracts of the server: sessions, pending tool calls and a small message bus, and the
 * `GatewayStores` bundle of them (`server.store`). Every method is async so that a shared (Redis)
 * implementation can stand behind the same interface as the in-memory default; route handlers
 * only ever talk to these interfaces, which is what lets a second instance answer an approval for
 * a stream held by the first. Each contract lives in its own file; this one re-exports them.
 *
 * Points in time are unix seconds (possibly fractional); durations are milliseconds. Records handed out by a store are copies:
 * mutating one never changes the stored state.
 */

import type { BudgetCounterStore } from './budget-counter-store.js';
import type { RunLeaseStore } from './run-takeover.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import type { SlotCounterFactory } from './slot-counter.js';
import type { PendingAnswerStore } from './pending-answer-store.js';
import type { SessionStore } from './session-store.js';
import type { MessageBus } from './message-bus.js';
import type { RunDirectory } from './run-directory.js';
import type { RunEventLogStore } from './run-event-log-store.js';
import type { RateLimiterFactory } from './rate-limiter.js';

export { isPendingStatus } from './pending-answer-store.js';
export type {
  PendingAnswerKey,
  PendingAnswerKind,
  PendingAnswerRecord,
  PendingAnswerStatus,
  PendingAnswerStore,
} from './pending-answer-store.js';
export type { RunLock, SessionRecord, SessionStore } from './session-store.js';
export { BusChannel } from './message-bus.js';
export type {
  ApprovalDecisionMessage,
  BusHandler,
  ClientToolResultMessage,
  MessageBus,
  SteerRunMessage,
  Unsubscribe,
} from './message-bus.js';
export type { RunDirectory, RunLocation } from './run-directory.js';
export type { RunEventLogStore } from './run-event-log-store.js';
export type { RateLimitDecision, RateLimiter, RateLimiterFactory, RateLimiterSpec } from './rate-limiter.js';

/** The stores a gateway needs, with one `close()` for all of them. */
export interface GatewayStores {
  sessions: SessionStore;
  pendingAnswers: PendingAnswerStore;
  bus: MessageBus;
  /**
   * Shared copies of run event logs. Present only in shared (multi-instance) bundles: when it
   * is absent the server neither mirrors events nor looks for runs on other instances, so the
   * single-process path pays nothing.
   */
  runEvents?: RunEventLogStore;
  /** The latest run of each session and its instance; present together with `runEvents`. */
  runDirectory?: RunDirectory;
  /**
   * Leases and checkpoints of running runs. When present (with `runEvents` and `runDirectory`),
   * a run whose instance dies is taken over by another instance from its last checkpoint.
   */
  runLeases?: RunLeaseStore;
  /**
   * The directory, lease, lock and retention writes around a shared run in fewer round trips
   * (present only with `runEvents`, `runDirectory` and `runLeases`); without it the server makes
   * the separate calls.
   */
  runBookkeeping?: RunBookkeeping;
  /**
   * Connects, failing within a bounded time with a clear message when the backend is
   * unreachable. Called by the app's `start()`; optional for stores that need no connection.
   */
  connect?(): Promise<void>;
  /**
   * Rate limiters sharing this bundle's storage (Redis counters count across instances). The
   * app falls back to in-process counters when absent.
   */
  createRateLimiter?: RateLimiterFactory;
  /**
   * Slot counters sharing this bundle's storage (runs and pending answers per API key, counted
   * across instances). The app falls back to in-process counters when absent.
   */
  createSlotCounter?: SlotCounterFactory;
  /**
   * Budget counters sharing this bundle's storage (Redis: every instance holds on the same
   * budgets). Absent: the database's counters, else counters of one process.
   */
  budgetCounters?: BudgetCounterStore;
  /**
   * Round trips made to the backend so far (a pipeline counts once), for the
   * `agent_gateway_redis_round_trips_total` metric; absent for in-process stores.
   */
  roundTrips?(): number;
  /**
   * Whether the backend can be reached now (false while the connection is down and being
   * re-established). Routes whose answer depends on a write the client must not lose (tool
   * answers, cancel) refuse with `503` and `retry-after` while it is false, instead of waiting
   * for the reconnect. Absent: always reachable (in-process stores).
   */
  isAvailable?(): boolean;
  /** Closes every store. Idempotent. */
  close(): Promise<void>;
}
