import { z } from 'zod';
import { positiveInteger, positiveNumber } from '../../agent-spec/parse-spec.js';

/**
 * The server options that say how long things wait or are kept (part of `server`, spread into
 * its schema): heartbeats, answers and suspension, queued-run leases, disconnects and replays.
 */
export const serverWaitsShape = {
  /** Interval of SSE heartbeats in ms. */
  heartbeatIntervalMs: positiveNumber().default(15_000),
  /**
   * How long an approval request waits, in ms. Without it the runtime's tool dispatcher decides
   * (`createAgent`'s waits 120 000 ms).
   */
  approvalTimeoutMs: positiveNumber().optional(),
  /** How long a client-side tool call waits for its result, in ms. */
  clientToolTimeoutMs: positiveNumber().default(120_000),
  /**
   * With a database, how long a run waits for its client's answers (approvals, client-side tool
   * results) in memory before it is suspended to the database, in ms (one minute): it then holds
   * no memory and no run slot, and the answer, on any instance and at any later time within
   * `approvalTimeoutMs` / `clientToolTimeoutMs`, resumes it. `false` keeps waiting runs in memory.
   */
  suspendAfterMs: z.union([positiveNumber(), z.literal(false)]).default(60_000),
  /** How often each instance looks for suspended runs to resume or expire, in ms (15 s). */
  suspendedRunScanIntervalMs: positiveNumber().default(15_000),
  /**
   * With a database, how long an instance's claim on a run enqueued while its session was busy
   * (`multitask: 'enqueue'`) lasts without renewal, in ms (15 s). The instance waiting with it
   * renews it every third of that; once it lapses (that instance died or closed) another
   * instance takes the run. Each instance looks for such runs every third of it too.
   */
  queuedRunLeaseMs: positiveNumber().default(15_000),
  /** How long a run goes on after its last client left, in ms (0 cancels at once). */
  disconnectGraceMs: z.number().min(0).default(30_000),
  /** How long a finished run can still be re-attached and replayed, in ms (ten minutes). */
  streamRetentionMs: positiveNumber().default(600_000),
  /**
   * Bytes of events (as JSON) a finished run keeps for replays, in memory and in Redis (16 MiB);
   * older ones are dropped, and a resume from before them ends with `stream_truncated`.
   */
  maxRetainedBytesPerRun: positiveInteger().default(16 * 1024 * 1024),
  /**
   * Bytes of events the finished runs of this instance keep in memory together (128 MiB); past
   * it the runs that finished first lose their oldest events first.
   */
  maxRetainedBytes: positiveInteger().default(128 * 1024 * 1024),
  /** When set, streams start with `retry: <ms>` (EventSource's reconnect delay). */
  sseRetryMs: positiveNumber().optional(),
};
