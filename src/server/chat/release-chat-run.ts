import type { GatewayStores, Unsubscribe } from '../../core/stores.js';
import type { RunRecording } from '../threads/run-recorder.js';
import type { RunSuspender } from '../pending-answers/run-suspender.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import type { ChatRunEventLog } from './chat-run-event-log.js';
import type { RunSlot } from './run-caps.js';
import { withdrawsAtOnce } from '../../stores/memory/memory-pending-answer-store.js';
import { locksAtOnce } from '../../stores/memory/memory-session-store.js';
import type { SharedRun } from './share-run.js';
import type { SteeringQueue } from './steering-queue.js';
import type { ThreadLock } from './thread-locks.js';
import type { TranscriptWriter } from './transcript-writer.js';

/**
 * What a chat run's release frees, and what it reads of where the run stands: set up by
 * `startChatRun`'s phases, one object per run.
 */
export interface ReleasableRun {
  readonly run: {
    readonly runId: string;
    readonly sessionId: string;
    readonly steering: Pick<SteeringQueue, 'close'>;
    /** Read at each step that depends on it: a run may move elsewhere while it is released. */
    readonly goesOnElsewhere: boolean;
    readonly done: Promise<void>;
  };
  readonly eventLog: Pick<ChatRunEventLog, 'close'>;
  readonly recording: Pick<RunRecording, 'writeStart'> | undefined;
  readonly transcript: Pick<TranscriptWriter, 'close'> | undefined;
  readonly detachObservers: () => void;
  readonly suspender: Pick<RunSuspender, 'stop' | 'released'> | undefined;
  readonly sharing: Pick<SharedRun, 'freeSession' | 'release' | 'standDown'> | undefined;
  /** The bus subscription to steering from other instances (shared stores only). */
  readonly steerSubscription: Promise<Unsubscribe | undefined> | undefined;
  readonly threadLock: Pick<ThreadLock, 'release' | 'releaseAfter' | 'standDown'> | undefined;
  readonly slot: Pick<RunSlot, 'release' | 'standDown'>;
  readonly stores: {
    readonly pendingAnswers: Pick<GatewayStores['pendingAnswers'], 'deletePendingOfRun'>;
    readonly sessions: Pick<GatewayStores['sessions'], 'releaseRunLock'>;
  };
  readonly suspendedRuns: Pick<SuspendedRuns, 'resumeIfAnswered'> | undefined;
  readonly report: (error: unknown, where: string) => void;
  /**
   * The write of the run's end and messages, once its runner returned or threw (not awaited;
   * never rejects).
   */
  ended: Promise<unknown> | undefined;
  /** The release once begun: a second call gets the same promise. */
  released?: Promise<void>;
}

/** One step of a release: frees one thing (or one group freed together), maybe asynchronously. */
interface ReleaseStep {
  readonly name: string;
  readonly free: (run: ReleasableRun) => Promise<unknown> | void;
}

const unsubscribe = (stop: Unsubscribe | undefined): Promise<void> | void => stop?.();

/**
 * The steps of a run's release, in the order they run, each waiting for the one before. Why
 * this order:
 * - Nothing new reaches the run first: local steering, then steering through the bus.
 * - Then what watched the run stops: its record's start is written (once; a run that moved
 *   elsewhere before its first event still gets it), the suspender stops, the log closes, the
 *   observers let go.
 * - The thread is let go before the session: the session's next message finds both free.
 *   Shared, the thread is held until the run's messages are written (another instance reads
 *   the thread from the database, and would miss them).
 * - The session before the holds: with shared stores, checking that the run is still this
 *   instance's and freeing the session's lock is one step of the sharing. A run that moved to
 *   another instance leaves the session's lock and its pending calls alone: they belong to the
 *   run, which goes on there (checked before the lease ends: an instance cut off while another
 *   took the run over must not free the session or withdraw the other's calls).
 * - The holds together: the slot, the sharing (lease, mirror), the transcript and, when this
 *   instance owns the session alone, its pending calls and run lock.
 * - Last the suspension: only with its lease and lock let go may a suspension of the run be
 *   resumed; an answer that arrived while it was held resumes it once this run is done.
 */
export const RELEASE_STEPS: readonly ReleaseStep[] = [
  { name: 'steering', free: ({ run }) => run.steering.close() },
  { name: 'steering subscription', free: ({ steerSubscription }) => steerSubscription?.then(unsubscribe) },
  { name: 'record start', free: ({ recording }) => recording?.writeStart() },
  { name: 'suspender', free: ({ suspender }) => suspender?.stop() },
  { name: 'event log', free: ({ eventLog }) => eventLog.close() },
  { name: 'observers', free: ({ detachObservers }) => detachObservers() },
  { name: 'thread', free: freeThread },
  { name: 'session', free: ({ run, sharing }) => (run.goesOnElsewhere ? undefined : sharing?.freeSession()) },
  { name: 'holds', free: freeHolds },
  { name: 'suspension', free: liftSuspension },
];

/** The thread's lock: left to the run elsewhere, given back after the write when shared, else now. */
function freeThread({ run, threadLock, sharing, ended }: ReleasableRun): Promise<void> | void {
  if (threadLock === undefined) return;
  if (run.goesOnElsewhere) return threadLock.standDown();
  if (sharing !== undefined && ended !== undefined) return threadLock.releaseAfter(ended);
  return threadLock.release();
}

/** The slot, the sharing, the transcript and the session's own holds, together; failures reported. */
function freeHolds(released: ReleasableRun): Promise<unknown> | undefined {
  const { run, slot, sharing, transcript, stores } = released;
  const elsewhere = run.goesOnElsewhere;
  if (elsewhere) {
    slot.standDown();
    return settled(released, sharing?.standDown(), transcript?.close());
  }
  const owner = sharing === undefined;
  const slotFreed = slot.release();
  const shared = sharing?.release();
  const closed = transcript?.close();
  const withdrawn = owner ? withdrawPendingAnswers(stores.pendingAnswers, run) : undefined;
  const unlocked = owner ? releaseRunLock(stores.sessions, run.sessionId) : undefined;
  // All freed at once (in-process stores, no sharing or transcript: most chats): nothing to wait for.
  const atOnce =
    slotFreed === undefined &&
    shared === undefined &&
    closed === undefined &&
    withdrawn === undefined &&
    unlocked === undefined;
  return atOnce ? undefined : settled(released, slotFreed, shared, closed, withdrawn, unlocked);
}

/** The run's pending answers withdrawn: at once in the in-process store (undefined), else its promise. */
function withdrawPendingAnswers(
  store: ReleasableRun['stores']['pendingAnswers'],
  { sessionId, runId }: ReleasableRun['run'],
): Promise<void> | undefined {
  if (!withdrawsAtOnce(store)) return store.deletePendingOfRun(sessionId, runId);
  store.deletePendingOfRunNow(sessionId, runId);
  return undefined;
}

/** The session's run lock given back: at once in the in-process store (undefined), else its promise. */
function releaseRunLock(
  store: ReleasableRun['stores']['sessions'],
  sessionId: string,
): Promise<void> | undefined {
  if (!locksAtOnce(store)) return store.releaseRunLock(sessionId);
  store.releaseRunLockNow(sessionId);
  return undefined;
}

/**
 * Waits for every cleanup begun (none rejects: a failure is reported), with one promise per
 * cleanup and none for those that had nothing to do (undefined when none had).
 */
function settled(
  released: ReleasableRun,
  ...cleanups: Array<Promise<void> | undefined>
): Promise<unknown> | undefined {
  const reportFailure = (error: unknown): void => released.report(error, 'run cleanup');
  const waiting: Array<Promise<void>> = [];
  for (const cleanup of cleanups) if (cleanup !== undefined) waiting.push(cleanup.catch(reportFailure));
  return waiting.length === 0 ? undefined : Promise.all(waiting);
}

/**
 * Lets a suspension of the run be resumed, and resumes it once the run is done if it was
 * answered. Nothing to wait for (undefined) when the suspender had nothing to lift: a run that
 * never asked a person (most chats).
 */
function liftSuspension({ run, suspender, suspendedRuns, report }: ReleasableRun): Promise<void> | undefined {
  const failed = (error: unknown): void => report(error, 'releasing the suspended run');
  let lifting: Promise<boolean> | false | undefined;
  try {
    lifting = suspender?.released();
  } catch (error) {
    failed(error);
    return undefined;
  }
  if (lifting === undefined || lifting === false) return undefined;
  return lifting.then((lifted) => {
    if (lifted && suspendedRuns !== undefined) {
      void run.done.then(() => suspendedRuns.resumeIfAnswered(run.runId));
    }
  }, failed);
}

/** Runs the steps in order; a step that fails is reported and the next runs all the same. */
async function runReleaseSteps(released: ReleasableRun): Promise<void> {
  for (const step of RELEASE_STEPS) {
    try {
      const freeing = step.free(released);
      if (freeing !== undefined) await freeing;
    } catch (error) {
      released.report(error, 'run cleanup');
    }
  }
}

/**
 * Releases what a run holds once its runner returned (or could not be built), in the order of
 * `RELEASE_STEPS`. Idempotent: a second call gets the first call's promise. Never rejects.
 */
export function releaseChatRun(released: ReleasableRun): Promise<void> {
  released.released ??= runReleaseSteps(released);
  return released.released;
}
