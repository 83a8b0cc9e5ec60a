import type { SessionRecord } from '../../core/stores.js';
import type { BackgroundRunRequest } from './background-run-body.js';
import type { RunIdReservation } from '../chat/run-id-reservations.js';

/** A run to enqueue: answered `queued` already, started once its session is free. */
export interface QueuedRunToStart {
  session: SessionRecord;
  request: BackgroundRunRequest;
  runId: string;
  /**
   * The id's reservation, drawn where the run was accepted (a fire's id is derived, not drawn):
   * the queue keeps it while the run waits, and the run until it ends.
   */
  reservation?: RunIdReservation;
  scheduleId?: string;
  /**
   * The session the queue keeps the run under, when it starts in another one: a restart with
   * sessions in memory forgot it, and the run starts in a stand-in session of its owner.
   */
  queuedInSession?: string;
}

/**
 * Where an enqueued run waits with a database (`multitask: 'enqueue'` while the session's run
 * works): the database's queue, kept by the background work (`createQueuedRuns`), so that the
 * run outlives this instance.
 */
export interface RunQueue {
  /** Whether runs are kept in the database (it is open and keeps queued runs). */
  durable(): boolean;
  /**
   * Records the run in the queue (503 when the database does not answer; 429 `queue_full` past
   * `server.queuedRuns`, nothing recorded) and waits for its session, renewing the claim;
   * resolves once recorded.
   */
  enqueue(run: QueuedRunToStart): Promise<void>;
}
