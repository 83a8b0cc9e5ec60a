import type { PendingAnswerKey } from '../../core/stores.js';

/**
 * The names of every Redis key the gateway uses, under one prefix, so that several gateways (or
 * test runs) can share a Redis without seeing each other's state.
 */
export interface RedisKeySpace {
  session(sessionId: string): string;
  /** List of the session's "always allow" keys (a list keeps their order). */
  approvedToolTypes(sessionId: string): string;
  runLock(sessionId: string): string;
  /** Sorted set of session ids scored by `expiresAt`: what the expiry sweep reads. */
  sessionExpiries(): string;
  /** Hash of one pending answer (in its session's slot): `record` JSON and `status`. */
  pendingAnswer(key: PendingAnswerKey): string;
  /** Set of the tool call ids one run asked about: what its end withdraws. */
  pendingAnswersOfRun(sessionId: string, runId: string): string;
  /** Hash of a session's pending answers' tool call ids, each to the run that asked for it last. */
  pendingAnswerRuns(sessionId: string): string;
  /** Bus channel names carry the prefix too: pub/sub is global to a Redis server. */
  channel(channel: string): string;
  runEvents(runId: string): string;
  latestRun(sessionId: string): string;
  /** Hash of a running run's lease: owner, epoch, request record, latest checkpoint. */
  runLease(runId: string): string;
  /** Sorted set of running run ids scored by lease expiry (ms, Redis clock): an index. */
  runLeaseExpiries(): string;
  /** Sorted set of lease owners (instances) scored by their last heartbeat (ms, Redis clock). */
  runLeaseOwners(): string;
  /** Sorted set of `<owner>|<run id>` members (score 0, read by lex range): runs by owner. */
  runsByOwner(): string;
  /** A fixed-window counter of a rate limit. */
  rateWindow(name: string, key: string, window: number): string;
  /** Sorted set of the slots held under one key of a slot counter, scored by lease end (ms). */
  slots(name: string, key: string): string;
  /**
   * A key of the budget counters (`counter:<id>`, `reservation:<call id>`, `leases`, `ledger`...):
   * all in one hash slot under Redis Cluster, since one reserve holds on every budget at once.
   */
  budget(name: string): string;
}

/** Options of `createRedisKeySpace`. */
export interface RedisKeySpaceOptions {
  /**
   * Wrap ids in hash tags (`{...}`), as Redis Cluster needs: a session's keys share one hash
   * slot, a run's keys another, and the run lease index keys a third, so that every script
   * touches one slot. Off for a single server (the key names stay as they were).
   */
  hashTags?: boolean;
}

/** Creates the key space under `prefix` (`createRedisStores`' `keyPrefix`). */
export function createRedisKeySpace(prefix: string, options: RedisKeySpaceOptions = {}): RedisKeySpace {
  const tag = (id: string): string => (options.hashTags === true ? `{${id}}` : id);
  const session = (sessionId: string): string => `${prefix}session:${tag(sessionId)}`;
  const run = (runId: string): string => `${prefix}run:${tag(runId)}`;
  const leaseIndex = (name: string): string =>
    options.hashTags === true ? `${prefix}{run-lease-index}:${name}` : `${prefix}${name}`;
  return {
    session,
    approvedToolTypes: (sessionId) => `${session(sessionId)}:approved`,
    runLock: (sessionId) => `${session(sessionId)}:run-lock`,
    sessionExpiries: () => `${prefix}session-expiries`,
    // Run ids are hex: the tool call id, which may hold any character, is all after the run's `:`.
    pendingAnswer: ({ sessionId, runId, toolCallId }) =>
      `${session(sessionId)}:pending-tool:${runId}:${toolCallId}`,
    pendingAnswersOfRun: (sessionId, runId) => `${session(sessionId)}:pending-tools:${runId}`,
    pendingAnswerRuns: (sessionId) => `${session(sessionId)}:pending-tool-runs`,
    channel: (channel) => `${prefix}bus:${channel}`,
    runEvents: (runId) => `${run(runId)}:events`,
    latestRun: (sessionId) => `${session(sessionId)}:latest-run`,
    runLease: (runId) => `${run(runId)}:lease`,
    runLeaseExpiries: () => leaseIndex('run-lease-expiries'),
    runLeaseOwners: () => leaseIndex('run-lease-owners'),
    runsByOwner: () => leaseIndex('runs-by-owner'),
    rateWindow: (name, key, window) => `${prefix}rate:${name}:${key}:${window}`,
    slots: (name, key) => `${prefix}slots:${name}:${key}`,
    budget: (name) => (options.hashTags === true ? `${prefix}{budgets}:${name}` : `${prefix}budgets:${name}`),
  };
}
