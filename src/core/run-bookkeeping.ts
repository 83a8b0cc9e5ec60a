import type { RunRecord } from './run-takeover.js';
import type { RunLocation } from './run-directory.js';

/** What `RunBookkeeping.open` records for a run starting here. */
export interface OpenRunInput {
  /** The session's latest run, as `RunDirectory.setLatest` records it. */
  location: RunLocation;
  /** How long the directory entry lasts, in ms (it must outlive the run). */
  directoryTtlMs: number;
  /** The run's new lease (epoch 1), as `RunLeaseStore.begin` records it; absent for a run taken over. */
  lease?: { record: RunRecord; owner: string; leaseMs: number };
}

/** Which run's session `RunBookkeeping.freeSession` frees, and under which lease epoch. */
export interface FreeSessionInput {
  runId: string;
  sessionId: string;
  epoch: number;
}

/** What `RunBookkeeping.finish` records once a run's log is complete in the shared store. */
export interface FinishRunInput {
  runId: string;
  sessionId: string;
  /** How long the run's log and directory entry stay readable, in ms (stream retention). */
  retentionMs: number;
  /** The lease epoch this instance holds the run at: the lease ends if it is still current. */
  epoch: number;
  /** This instance's lease owner (`SharedRunSettings.leaseOwner`). */
  owner: string;
}

/**
 * Optional part of a shared store bundle: the bookkeeping around a shared run (directory
 * entry, lease, session lock, pending answers, retention) done in as few round trips as the
 * backend allows, with the same effect as the separate calls of `RunDirectory`,
 * `RunLeaseStore`, `SessionStore`, `PendingAnswerStore` and `RunEventLogStore` it stands for.
 * The server uses it when present, and the separate calls when not.
 */
export interface RunBookkeeping {
  /** `RunLeaseStore.begin` (when `lease` is given) and `RunDirectory.setLatest`. */
  open(input: OpenRunInput): Promise<void>;
  /**
   * When this instance still holds the run at `epoch` (`RunLeaseStore.holds`): releases the
   * session's run lock and withdraws the run's pending answers (`SessionStore.releaseRunLock`,
   * `PendingAnswerStore.deletePendingOfRun`), and answers true. Otherwise touches nothing: false.
   */
  freeSession(input: FreeSessionInput): Promise<boolean>;
  /**
   * `RunEventLogStore.expire`, `RunDirectory.markFinished` and `RunLeaseStore.end`. Idempotent
   * (a failed call is retried).
   */
  finish(input: FinishRunInput): Promise<void>;
}
