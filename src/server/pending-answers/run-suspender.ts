import type { GatewayEvent } from '../../core/events.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { SuspendedCallSummary } from '../../core/run-suspension.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { PendingAnswerStore } from '../../core/stores.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { JsonValue, ThreadOwner } from '../../core/thread-store.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { SuspensionRecord } from './suspension-record.js';
import { WaitedCalls, type WaitedTurn } from './waited-calls.js';
import { systemNow } from '../contracts/system-clock.js';

/*
 * Not to be confused with `protocols/held-runs.ts`, where a frontend's HTTP response ends at a
 * question while the run keeps waiting in memory. Here the run itself leaves memory.
 */

/** The run a suspender watches: what it needs of `ChatRunLifecycle`. */
export interface SuspendableRun {
  readonly runId: string;
  readonly sessionId: string;
  readonly eventLog: { readonly lastSeq: number };
  suspend(notice: GatewayEvent, waitsFor: readonly SuspendedCallSummary[]): boolean;
}

/** Options of `createRunSuspender`. */
export interface RunSuspenderOptions {
  store: SuspendedRunStore;
  /**
   * Has the run's start written (when it is still held back) and settles once it is in the
   * store (`RunRecording.whenRecorded`).
   */
  recorded?: () => Promise<void>;
  pendingAnswers: PendingAnswerStore;
  run: SuspendableRun;
  owner: ThreadOwner;
  /** The principal the run acts as (its session's), kept with the suspension; none for none. */
  principal?: SessionPrincipal | undefined;
  request: ChatRunRequest;
  model: string | undefined;
  /** How long every pending answer of a tool turn is waited for before the run is suspended. */
  suspendAfterMs: number;
  report: (error: unknown, where: string) => void;
  now?: () => number;
}

/** Watches one run and suspends it once it only waits for its client (see `createRunSuspender`). */
export interface RunSuspender {
  /** Sees the run's events: the questions it announces (nonce, expiry). */
  observe(event: GatewayEvent): void;
  /** Sees the run's checkpoints: the calls of the current tool turn and which finished. */
  checkpoint(checkpoint: RunCheckpoint): void;
  /** A call started waiting; the function returned is told how the wait ended. */
  readonly waiting: (toolCallId: string) => (answer: JsonValue | undefined) => void;
  /**
   * Suspends the run at once, without waiting `suspendAfterMs`, when it only waits for its
   * client (a shutdown: the one moment when suspending is certainly right). Resolves whether it
   * was suspended; false when it is doing anything else or the write failed (then reported).
   */
  suspendNow(): Promise<boolean>;
  /** The run ended: no suspension from now on. Idempotent. */
  stop(): void;
  /**
   * The run let go of what it held here (its lease, lock and slot): a suspension it made may be
   * resumed from now (see `SuspensionHold`). Call once the run's release is done. Resolves true
   * when it lifted the hold of a suspension that stands: an answer stored to it while it was
   * held could not resume it, so the caller resumes it now if every call is answered.
   * Idempotent (later calls resolve false). False at once when there is nothing to lift (a
   * run that never asked a person: no promise at its release).
   */
  released(): Promise<boolean> | false;
}

/**
 * Suspends a run that only waits for people: once every unfinished call of its tool turn has
 * waited `suspendAfterMs` for its client (approval or client-side tool), the run's request,
 * checkpoint and questions are written to the durable store, its live questions withdrawn (a
 * later answer goes to the store), and the run stops with a terminal `error` event of code
 * `run_suspended`. The run's memory, slot and session lock are then freed by its normal end.
 * A failed write leaves the run waiting as before. Composed of what the run waits for
 * (`WaitedCalls`) and its suspension in the store (`SuspensionRecord`); this keeps the timer.
 */
export function createRunSuspender(options: RunSuspenderOptions): RunSuspender {
  const { run, report } = options;
  const calls = new WaitedCalls();
  const record = new SuspensionRecord({ ...options, now: options.now ?? systemNow });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let suspended = false;

  const onlyWaiting = (): boolean => !stopped && !suspended && calls.onlyWaiting();

  const evaluate = (): void => {
    if (!onlyWaiting()) {
      clearTimeout(timer);
      timer = undefined;
      return;
    }
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void suspendOnce().catch((error: unknown) => report(error, `suspending run ${run.runId}`));
    }, options.suspendAfterMs);
    timer.unref?.();
  };

  /** The suspension under way, if any: the timer and a shutdown never write it twice. */
  let suspending: Promise<boolean> | undefined;
  const suspendOnce = (): Promise<boolean> => {
    suspending ??= writeSuspension().finally(() => {
      suspending = undefined;
    });
    return suspending;
  };

  const writeSuspension = async (): Promise<boolean> => {
    const turn = onlyWaiting() ? calls.turn() : undefined;
    if (turn === undefined) return false;
    const started = calls.generation;
    // The suspension refers to the run's record: its start, written alongside, lands first.
    await options.recorded?.();
    await record.write(turn, calls.checkpointOf(turn));
    // From here a late answer finds no live call (404 there) and goes to the stored one.
    await options.pendingAnswers.deletePendingOfRun(run.sessionId, run.runId);
    if (calls.generation !== started || !onlyWaiting()) {
      // Answered meanwhile: the run goes on here.
      await record.remove();
      return false;
    }
    suspended = true;
    const waitsFor = turn.calls.map(({ toolCallId, toolName, kind }) => ({ toolCallId, toolName, kind }));
    if (!run.suspend(suspensionNotice(run.runId, turn), waitsFor)) {
      suspended = false;
      await record.remove();
      return false;
    }
    return true;
  };

  return {
    observe(event) {
      if (calls.asked(event)) evaluate();
    },
    checkpoint(checkpoint) {
      calls.checkpoint(checkpoint);
      evaluate();
    },
    waiting: (toolCallId) => {
      calls.waiting(toolCallId);
      evaluate();
      return (answer) => {
        calls.ended(toolCallId);
        // An answer that reached the run as it was being suspended is its call's answer: it was
        // kept in the call's slot before it was delivered, so this only makes sure the suspended
        // call carries it (a scan would do the same later); a competing answer already lost.
        if (suspended && answer !== undefined) record.keepAnswer(toolCallId, answer);
        evaluate();
      };
    },
    async suspendNow() {
      clearTimeout(timer);
      timer = undefined;
      try {
        return await suspendOnce();
      } catch (error) {
        report(error, `suspending run ${run.runId}`);
        return false;
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
    async released() {
      return (await record.release()) && suspended;
    },
  };
}

/** The terminal event of a suspended run: what it waits for and until when answering resumes it. */
function suspensionNotice(runId: string, turn: WaitedTurn): GatewayEvent {
  return {
    type: 'error',
    code: 'run_suspended',
    error:
      `Run ${runId} waits for ${turn.ids.join(', ')} and was suspended; answering ` +
      `(POST /chat/tool-approval or /chat/tool-result, from any session of the same owner) ` +
      `before ${new Date(turn.expiresAt).toISOString()} resumes it`,
  };
}
