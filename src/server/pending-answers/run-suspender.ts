import { randomUUID } from 'node:crypto';
import type { GatewayEvent } from '../../core/events.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { PendingAnswerStore } from '../../core/stores.js';
import type { SuspendedCall, SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { JsonValue, ThreadOwner } from '../../core/thread-store.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { snapshotOf } from './suspended-snapshot.js';

/*
 * Not to be confused with `protocols/held-runs.ts`, where a frontend's HTTP response ends at a
 * question while the run keeps waiting in memory. Here the run itself leaves memory.
 */

/** The run a suspender watches: what it needs of `ChatRunLifecycle`. */
export interface SuspendableRun {
  readonly runId: string;
  readonly sessionId: string;
  readonly eventLog: { readonly lastSeq: number };
  suspend(notice: GatewayEvent): boolean;
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
   * Idempotent (later calls resolve false).
   */
  released(): Promise<boolean>;
}

/**
 * How long a suspension stays held should its instance die before the run let go of it: then a
 * scan resumes it after this.
 */
const HOLD_MS = 30_000;

interface Question {
  kind: SuspendedCall['kind'];
  nonce: string;
  toolName: string;
  expiresAtMs: number;
}

/** The question an event announces, if it announces one. */
export function questionOf(event: GatewayEvent): (Question & { toolCallId: string }) | undefined {
  if (event.type === 'tool_approval_request') {
    return {
      toolCallId: event.tool_call_id,
      kind: 'approval',
      nonce: event.nonce,
      toolName: event.tool_name,
      expiresAtMs: event.expires_at * 1000,
    };
  }
  if (
    event.type === 'tool_call_start' &&
    event.execution_location === 'client' &&
    event.nonce !== undefined
  ) {
    return {
      toolCallId: event.tool_call_id,
      kind: 'client_tool',
      nonce: event.nonce,
      toolName: event.tool_name,
      expiresAtMs: (event.expires_at ?? 0) * 1000,
    };
  }
  return undefined;
}

/**
 * Suspends a run that only waits for people: once every unfinished call of its tool turn has
 * waited `suspendAfterMs` for its client (approval or client-side tool), the run's request,
 * checkpoint and questions are written to the durable store, its live questions withdrawn (a
 * later answer goes to the store), and the run stops with a terminal `error` event of code
 * `run_suspended`. The run's memory, slot and session lock are then freed by its normal end.
 * A failed write leaves the run waiting as before.
 */
export function createRunSuspender(options: RunSuspenderOptions): RunSuspender {
  const { store, run, report } = options;
  const now = options.now ?? Date.now;
  const questions = new Map<string, Question>();
  const open = new Set<string>();
  let latest: RunCheckpoint | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let suspended = false;
  /** Bumped whenever a wait ends: a suspension under way checks it did not change. */
  let generation = 0;
  /** Names the hold of this run's suspension (see `SuspensionHold`); made when first needed. */
  let holderName: string | undefined;
  const holder = (): string => (holderName ??= `suspending:${run.runId}:${randomUUID()}`);
  let held = false;
  /** The suspension's write while it is under way. */
  let writing: Promise<void> | undefined;

  const onlyWaiting = (): boolean => {
    const inFlight = latest?.toolsInFlight;
    if (stopped || suspended || open.size === 0 || inFlight === undefined) return false;
    return inFlight.calls.every(
      (call) => inFlight.finished[call.id] !== undefined || (open.has(call.id) && questions.has(call.id)),
    );
  };

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
    const inFlight = latest?.toolsInFlight;
    if (!onlyWaiting() || latest === undefined || inFlight === undefined) return false;
    const started = generation;
    const ids = [...open];
    const calls: SuspendedCall[] = ids.flatMap((toolCallId) => {
      const question = questions.get(toolCallId);
      return question === undefined
        ? []
        : [{ toolCallId, kind: question.kind, nonce: question.nonce, toolName: question.toolName }];
    });
    const expiresAt = Math.max(...ids.map((id) => questions.get(id)?.expiresAtMs ?? 0));
    // The suspension refers to the run's record: its start, written alongside, lands first.
    await options.recorded?.();
    const checkpoint: RunCheckpoint = { ...latest, toolsInFlight: { ...inFlight, awaitingAnswer: ids } };
    // Held until the run let go of its lease and lock (`released`): a resumption before then,
    // by an answer on another instance, would start while this run still holds them.
    held = true;
    writing = store.suspend(
      {
        runId: run.runId,
        owner: options.owner,
        sessionId: run.sessionId,
        ...(options.principal === undefined ? {} : { principal: options.principal }),
        threadId: options.request.thread?.id ?? null,
        snapshot: snapshotOf({
          request: options.request,
          checkpoint,
          // The suspension notice takes the next sequence number: the resumed run writes after it.
          lastSeq: run.eventLog.lastSeq + 1,
          model: options.model ?? null,
        }),
        calls,
        suspendedAt: now(),
        expiresAt,
      },
      {},
      { holder: holder(), until: now() + HOLD_MS },
    );
    await writing;
    // From here a late answer finds no live call (404 there) and goes to the stored one.
    await options.pendingAnswers.deletePendingOfRun(run.sessionId, run.runId);
    const untilText = new Date(expiresAt).toISOString();
    if (generation !== started || !onlyWaiting()) {
      // Answered meanwhile: the run goes on here.
      held = false;
      await store.remove(run.runId);
      return false;
    }
    suspended = true;
    const notice: GatewayEvent = {
      type: 'error',
      code: 'run_suspended',
      error:
        `Run ${run.runId} waits for ${ids.join(', ')} and was suspended; answering ` +
        `(POST /chat/tool-approval or /chat/tool-result, from any session of the same owner) ` +
        `before ${untilText} resumes it`,
    };
    if (!run.suspend(notice)) {
      suspended = false;
      held = false;
      await store.remove(run.runId);
      return false;
    }
    return true;
  };

  return {
    observe(event) {
      const question = questionOf(event);
      if (question === undefined) return;
      const { toolCallId, ...rest } = question;
      questions.set(toolCallId, rest);
      evaluate();
    },
    checkpoint(checkpoint) {
      latest = checkpoint;
      evaluate();
    },
    waiting: (toolCallId) => {
      open.add(toolCallId);
      evaluate();
      return (answer) => {
        open.delete(toolCallId);
        generation += 1;
        // An answer that reached the run as it was being suspended is its call's answer: it was
        // kept in the call's slot before it was delivered, so this only makes sure the suspended
        // call carries it (a scan would do the same later); a competing answer already lost.
        if (suspended && answer !== undefined) {
          void store
            .answer(run.runId, toolCallId, answer, run.sessionId)
            .catch((error: unknown) => report(error, `storing the answer to ${toolCallId}`));
        }
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
      // A suspension still being written is released once it is written.
      await writing?.catch(() => undefined);
      if (!held) return false;
      held = false;
      // A suspension removed meanwhile (the run went on) has nothing left to release.
      await store.release(run.runId, holder());
      return suspended;
    },
  };
}
