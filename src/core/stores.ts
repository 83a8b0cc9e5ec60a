/**
 * Storage contracts of the server: sessions, pending tool calls and a small message bus. Every
 * method is async so that a shared (Redis) implementation can stand behind the same interface
 * as the in-memory default; route handlers only ever talk to these interfaces, which is what
 * lets a second instance answer an approval for a stream held by the first.
 *
 * Points in time are unix seconds (possibly fractional); durations are milliseconds. Records handed out by a store are copies:
 * mutating one never changes the stored state.
 */

import type { LogEntry } from './events.js';
import type { RunLeaseStore } from './run-takeover.js';
import type { RunBookkeeping } from './run-bookkeeping.js';
import type { SlotCounterFactory } from './slot-counter.js';
import type { PendingToolKey, PendingToolStore } from './pending-tool-store.js';
import type { SessionPrincipal } from './principal.js';
import type { ApprovalAnswerer } from './approval.js';

export { isWaitingStatus } from './pending-tool-store.js';
export type {
  PendingToolKey,
  PendingToolKind,
  PendingToolRecord,
  PendingToolStatus,
  PendingToolStore,
} from './pending-tool-store.js';

/** One authenticated session, created by `/chat/init`. */
export interface SessionRecord {
  /** `sess_` followed by 32 lowercase hex characters. */
  sessionId: string;
  /** First 16 hex characters of the SHA-256 of the API key that opened the session. */
  apiKeyHash: string;
  /**
   * The end user a server-side key asserted at `/chat/init` (opaque); absent when the session
   * acts as the key itself. With `apiKeyHash`, the owner of the session's threads.
   */
  user?: string;
  /**
   * The signed-in caller when the session was opened by a JWT or the `authenticate` hook rather
   * than an API key; `apiKeyHash` and `user` are then derived from it, so its owner is unique
   * per issuer, tenant and subject.
   */
  principal?: SessionPrincipal;
  createdAt: number;
  /** Fixed at creation (no sliding refresh); the session is expired once now ≥ expiresAt. */
  expiresAt: number;
  /** "Always allow" keys (`tool` or `tool:qualifier`) granted during this session. */
  approvedToolTypes: string[];
}

/** A session's run lock as a shared store records it. */
export interface RunLock {
  /** The holder given to `acquireRunLock` (an instance's lease owner). */
  readonly holder: string;
  /** The stored lock, compared by `breakRunLock` so that a lock taken since is never removed. */
  readonly value: string;
}

/** Sessions, their approved tool types and the one-active-run lock. */
export interface SessionStore {
  /** Stores a new session (replacing any record with the same id). */
  create(record: SessionRecord): Promise<void>;
  /**
   * Stores a new session like `create`, unless `maxSessions` sessions are stored already
   * (expired ones not yet taken by the sweep count: they hold memory too); false then, and
   * nothing is stored. Atomic across instances. Optional: without it sessions are not capped.
   */
  createWithin?(record: SessionRecord, maxSessions: number): Promise<boolean>;
  /** The session, or undefined when unknown or already removed. */
  get(sessionId: string): Promise<SessionRecord | undefined>;
  /** Removes the session and its run lock; true when a record was removed. */
  delete(sessionId: string): Promise<boolean>;
  /** Adds an "always allow" key; a no-op for an unknown session or a key already present. */
  addApprovedToolType(sessionId: string, key: string): Promise<void>;
  /**
   * Takes the session's run lock (one active run per session). False when the lock is already
   * held or the session is unknown. `holder` (the instance's lease owner, in a shared store)
   * is recorded with the lock, so that a lock left by an instance that died can be broken.
   */
  acquireRunLock(sessionId: string, holder?: string): Promise<boolean>;
  /**
   * Who holds the session's run lock, as recorded by `acquireRunLock`; undefined when the lock
   * is free or names no holder. Shared stores only.
   */
  runLockHolder?(sessionId: string): Promise<RunLock | undefined>;
  /**
   * Removes the run lock `lock` read, only while it is still that very lock and was taken at
   * least `minAgeMs` ago (by the store's clock); true when removed. For a lock whose holder
   * died between taking it and recording its run.
   */
  breakRunLock?(sessionId: string, lock: RunLock, minAgeMs: number): Promise<boolean>;
  /** Releases the run lock; a no-op when it is not held. */
  releaseRunLock(sessionId: string): Promise<void>;
  /** Removes every session with `expiresAt <= nowSeconds` and returns the removed records. */
  takeExpired(nowSeconds: number): Promise<SessionRecord[]>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}

/** Receives one published payload. Payloads crossed a process boundary: narrow before use. */
export type BusHandler = (payload: unknown) => void;

/** Ends a subscription. Idempotent. */
export type Unsubscribe = () => Promise<void>;

/**
 * Fire-and-forget fan-out between instances. Payloads must be JSON-serialisable; a subscriber
 * receives a copy, never the publisher's object. Delivery is at most once and only to
 * subscriptions that were active when the message was published.
 */
export interface MessageBus {
  /**
   * Delivers `payload` to every current subscriber of `channel`. Resolves with how many
   * subscribers received it when the bus can tell (Redis counts subscribed connections): `0`
   * means nobody was listening, so a sender that needs delivery publishes again later (see
   * `createAnswerOutbox`). A bus that cannot count resolves `undefined`.
   */
  publish(channel: string, payload: unknown): Promise<number | void>;
  /**
   * Subscribes `handler` to `channel`. The returned promise settles once the subscription is
   * active, so a message published afterwards is guaranteed to reach it.
   */
  subscribe(channel: string, handler: BusHandler): Promise<Unsubscribe>;
  /** Drops every subscription and releases resources. Idempotent. */
  close(): Promise<void>;
}

/**
 * The bus channel names, defined in one place so that publishers and subscribers on different
 * instances always agree.
 */
export const BusChannel = {
  /**
   * Carries an `ApprovalDecisionMessage` for one parked approval. Named by the whole key: the
   * same tool call id may wait in several sessions, and each must hear only its own answer.
   */
  approvalDecision: (key: PendingToolKey): string =>
    `approval-decision:${key.sessionId}:${key.runId}:${key.toolCallId}`,
  /** Carries a `ClientToolResultMessage` for one parked client-side tool call (named likewise). */
  clientToolResult: (key: PendingToolKey): string =>
    `client-tool-result:${key.sessionId}:${key.runId}:${key.toolCallId}`,
  /** Asks whichever instance runs the session's stream to cancel it (payload: `{}`). */
  cancelRun: (sessionId: string): string => `cancel-run:${sessionId}`,
  /**
   * Carries a user message to whichever instance runs the session's run, for its next turn
   * boundary (a `SteerRunMessage`; `multitask: "steer"`).
   */
  steerRun: (sessionId: string): string => `steer-run:${sessionId}`,
  /**
   * Tells the instance running `runId` that a follower on another instance joined
   * (`{delta: 1, follower}`) or left (`{delta: -1, follower}`), so that its disconnect grace
   * period counts remote followers too. `follower` is a random id per follower.
   */
  runFollowers: (runId: string): string => `run-followers:${runId}`,
  /**
   * Tells every instance that a run was handed over (its lease relinquished), so that they scan
   * for lapsed leases now instead of at their next tick (payload: `{}`).
   */
  runsHandedOver: (): string => 'runs-handed-over',
  /**
   * Tells every instance that a model's circuit opened (a `CircuitOpenedMessage`), so that all
   * of them skip it for the rest of its cool-down.
   */
  circuitOpened: (): string => 'circuit-opened',
  /**
   * Tells every instance that an approval entered the inbox or left it (answered, timed out),
   * so that each instance's `GET /approvals/stream` followers hear it (an `InboxChange`, without
   * the call's nonce).
   */
  approvalInbox: (): string => 'approval-inbox',
} as const;

/**
 * Payload of `BusChannel.steerRun`: the run it is for (another run of the session ignores it),
 * an id (repeats of one publish are delivered once) and the user message's text.
 */
export interface SteerRunMessage {
  runId: string;
  id: string;
  text: string;
}

/** Payload of `BusChannel.approvalDecision`. */
export interface ApprovalDecisionMessage {
  approved: boolean;
  allowToolType: boolean;
  /** Who answered, when not the run's own session. */
  answeredBy?: ApprovalAnswerer;
  /** Why, in the answerer's words (sent with a denial, read by the model). */
  reason?: string;
}

/** Payload of `BusChannel.clientToolResult`: the client's `{result, error}` as posted. */
export interface ClientToolResultMessage {
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  /** Who gave it when another principal answered from the inbox; absent for the run's own client. */
  answeredBy?: ApprovalAnswerer;
}

/** The stores a gateway needs, with one `close()` for all of them. */
export interface GatewayStores {
  sessions: SessionStore;
  pendingTools: PendingToolStore;
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
   * Slot counters sharing this bundle's storage (runs and parked calls per API key, counted
   * across instances). The app falls back to in-process counters when absent.
   */
  createSlotCounter?: SlotCounterFactory;
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

/**
 * Where a session's current or most recent run lives. Written by the instance that runs it,
 * read by any instance that receives `GET /chat/stream` or `POST /chat/cancel` for the session.
 */
export interface RunLocation {
  runId: string;
  sessionId: string;
  /** Id of the gateway instance that runs (or ran) it. */
  instanceId: string;
  /** True once the run wrote its terminal event (or its instance gave it up). */
  finished: boolean;
}

/**
 * Which run is the latest of each session, and on which instance. Only shared stores provide
 * one: a single process finds its runs in its own registry.
 */
export interface RunDirectory {
  /** Records `location` as the session's latest run; the entry expires after `ttlMs`. */
  setLatest(location: RunLocation, ttlMs: number): Promise<void>;
  /** The session's latest run, or undefined when none is known (or it expired). */
  getLatest(sessionId: string): Promise<RunLocation | undefined>;
  /**
   * Marks the run finished if it is still the session's latest; the entry then expires after
   * `ttlMs` (stream retention).
   */
  markFinished(sessionId: string, runId: string, ttlMs: number): Promise<void>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}

/**
 * Copies of runs' event logs, readable from any instance. The instance running a run appends
 * every entry in order; followers on other instances read from any sequence number, exactly as
 * they would from the in-process `EventLog`.
 */
export interface RunEventLogStore {
  /**
   * Appends entries of one run, in order and without gaps; appending a `seq` already stored
   * is a no-op, which makes a retried batch harmless. With `fence`, nothing is appended (and
   * the result is false) unless the run's lease is still at `fence.epoch`: an instance that
   * lost its run to another cannot write into the sequence the new owner continues.
   */
  append(runId: string, entries: readonly LogEntry[], fence?: { epoch: number }): Promise<boolean>;
  /** Sequence number of the last stored entry of the run (0 when none). */
  lastSeq(runId: string): Promise<number>;
  /**
   * Yields the stored entries with `seq > afterSeq`, then new ones as they are appended, and
   * ends after a terminal event (`stream_complete` or `error`), when the log disappears, or
   * when `signal` aborts (no error).
   */
  read(runId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<LogEntry>;
  /** Keeps the run's log for `ttlMs` more, then drops it (called when the run ends). */
  expire(runId: string, ttlMs: number): Promise<void>;
  /**
   * Drops the oldest entries of an ended run's log until the rest takes at most `maxBytes` of
   * event JSON (called when the run ends, once its last entry is stored). A `read` from before
   * the entries kept then yields one terminal `error` with code `stream_truncated` (numbered as
   * the log's last entry) instead of a gap. Optional: a store without it keeps whole logs.
   */
  trimToBytes?(runId: string, maxBytes: number): Promise<void>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}

/** The answer of a rate limiter for one key. */
export interface RateLimitDecision {
  /** False when the key is over its limit in the current window. */
  allowed: boolean;
  /** What is left of the limit in the current window (never negative). */
  remaining: number;
  /** Milliseconds until the current window ends, for `retry-after`. */
  retryAfterMs: number;
}

/** What a rate limiter counts: at most `limit` units per key per fixed window. */
export interface RateLimiterSpec {
  /** Names the limiter, so that several limiters keep separate counters in a shared store. */
  name: string;
  limit: number;
  /** Length of a window in ms; windows are aligned to multiples of it since the epoch. */
  windowMs: number;
}

/**
 * Fixed-window counters per key (requests, tokens, tool calls). Shared implementations count
 * across every instance, so a limit holds for the deployment, not per process.
 */
export interface RateLimiter {
  /**
   * Adds `amount` (default 1) to the key's count in the current window. With a positive amount
   * the decision allows it while the count stays within the limit (a refused unit still
   * counts); with 0 it only asks whether anything is left.
   */
  consume(key: string, amount?: number): Promise<RateLimitDecision>;
}

/** Creates rate limiters backed by the same storage as the other stores of a bundle. */
export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiter;
