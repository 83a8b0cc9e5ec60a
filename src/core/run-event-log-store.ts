/** Shared stores only: copies of runs' event logs, readable from any instance. */

import type { LogEntry } from './events.js';

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
