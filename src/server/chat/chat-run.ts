import type { BudgetStanding } from '../../core/budget-gate.js';
import { ChatRunEventLog } from './chat-run-event-log.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayEvent } from '../../core/events.js';
import { RunSuspension, type SuspendedCallSummary } from '../../core/run-suspension.js';
import { nextChatRunState, type ChatRunState, type ChatRunTransition } from './chat-run-state.js';
import { createSteeringQueue, type SteeringQueue } from './steering-queue.js';
import { StepEnds } from './step-ends.js';

/** A chat run in progress, independent of the HTTP response that started it. */
export interface ChatRun {
  /** Random id of this run; SSE ids are `<runId>:<seq>` so a resume names its run. */
  readonly runId: string;
  readonly sessionId: string;
  /**
   * The tightest gateway budget its first model call was admitted under (`server.budgets`), for
   * the response's `x-budget-*` headers; undefined when no budget applies.
   */
  readonly budgetStanding?: BudgetStanding | undefined;
  readonly eventLog: ChatRunEventLog;
  /** Where the run stands (see `ChatRunState`). */
  readonly state: ChatRunState;
  /**
   * Cancels the run: the terminal `error` event carrying `reason` is written at once (so
   * followers see why the stream ended), then the upstream request and tools are aborted.
   * Idempotent; a run that already ended is left alone.
   */
  abort(reason?: string): void;
  /**
   * Stops running the run here and lets another instance take it over from its last
   * checkpoint (graceful shutdown of one instance among several). Local streams end without a
   * terminal event, so their clients reconnect elsewhere. Falls back to `abort(reason)` when
   * runs cannot be taken over (no run leases), and resolves once the run is handed over or
   * ended.
   */
  handOver(reason: string): Promise<void>;
  /**
   * Suspends the run at once when it only waits for its client's answers and a database keeps
   * suspended runs (a shutdown: it then survives the restart). Resolves whether it did; false,
   * and nothing changes, otherwise.
   */
  suspendIfWaiting(): Promise<boolean>;
  /**
   * Resolves when the run's next step (a model turn and its tool calls) ends, checkpointed with
   * nothing in flight; never when the run ends first (race it with `done`).
   */
  nextStepEnd(): Promise<void>;
  /** Settles when the run has ended and its session lock and pending tools are released. */
  readonly done: Promise<void>;
  /**
   * Calls `callback` once, when the run has ended: as `done` settles (before the reactions of
   * `done`), or in a microtask when it already has. What the gateway does at every run's end
   * goes here rather than on `done`: no promise per callback, on every chat.
   */
  onDone(callback: () => void): void;
  /** User messages sent while it works, for its next turn boundary (`multitask: "steer"`). */
  readonly steering: SteeringQueue;
}

/** What a launched run does; given by `startChatRun` once everything is set up. */
export interface ChatRunLaunch {
  /** Runs the runner to its end; `signal` aborts when the run must stop here. Never rejects. */
  execute(signal: AbortSignal): Promise<void>;
  /**
   * Hands the run to another instance (waits until the shared log has every event, lets the
   * lease go). Absent when runs cannot be taken over here: `handOver` then cancels the run.
   */
  handOver?: () => Promise<unknown>;
  /**
   * Suspends the run at once if it only waits for its client (see `RunSuspender.suspendNow`).
   * Absent when no database keeps suspended runs.
   */
  suspendIfWaiting?: () => Promise<boolean>;
  /** Releases what the run holds once its runner returned; reads `goesOnElsewhere`. */
  release(): Promise<void>;
}

/**
 * One chat run's lifecycle: its state, the signal of its runner, its event log and `done`.
 * Callers tell it what happened (`launch`, `lose`, `handOver`, `giveUp`, `abort`) and ask it
 * where the run stands; none keeps a flag of its own.
 */
export class ChatRunLifecycle implements ChatRun {
  readonly runId: string;
  readonly sessionId: string;
  readonly steering: SteeringQueue = createSteeringQueue();
  budgetStanding: BudgetStanding | undefined;
  #state: ChatRunState = 'starting';
  #eventLog: ChatRunEventLog | undefined;
  #launch: ChatRunLaunch | undefined;
  /** Settles once a hand-over finished (or failed): the run's release waits for it. */
  #handingOver: Promise<void> | undefined;
  readonly #controller = new AbortController();
  readonly #report: (error: unknown, where: string) => void;
  /** `done`, made on its first read: most runs are only watched through `onDone`. */
  #done: Promise<void> | undefined;
  #resolveDone: (() => void) | undefined;
  /** What `onDone` was given, until the run ends. */
  #onDone: (() => void)[] | undefined;
  /** Set when the run was suspended here: the reason its signal aborted with. */
  #suspension: RunSuspension | undefined;
  readonly #stepEnds = new StepEnds();

  constructor(options: {
    runId: string;
    sessionId: string;
    report: (error: unknown, where: string) => void;
  }) {
    this.runId = options.runId;
    this.sessionId = options.sessionId;
    this.#report = options.report;
  }

  /** See `ChatRun.done`: settled once the state is `ended`. */
  get done(): Promise<void> {
    if (this.#done === undefined) {
      this.#done =
        this.#state === 'ended'
          ? Promise.resolve()
          : new Promise((resolve) => {
              this.#resolveDone = resolve;
            });
    }
    return this.#done;
  }

  /** See `ChatRun.onDone`. */
  onDone(callback: () => void): void {
    if (this.#state !== 'ended') {
      (this.#onDone ??= []).push(callback);
      return;
    }
    queueMicrotask(() => this.#call(callback));
  }

  get state(): ChatRunState {
    return this.#state;
  }

  /** Aborts when the run must stop here: cancelled, lost, or handed over. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the run goes on elsewhere (lost or handed over): nothing shared is this run's to free. */
  get goesOnElsewhere(): boolean {
    return this.#state === 'lost' || this.#state === 'handingOver';
  }

  /** The run's event log; `openLog` creates it while the run starts. */
  get eventLog(): ChatRunEventLog {
    if (this.#eventLog === undefined)
      throw new GatewayError('internal_error', `chat run ${this.runId} has no event log yet`);
    return this.#eventLog;
  }

  /**
   * Creates the run's event log, numbering entries after `afterSeq` (a run taken over continues
   * its sequence). A run lost meanwhile gets an abandoned log: nothing it writes is seen.
   */
  openLog(afterSeq: number): ChatRunEventLog {
    if (this.#eventLog !== undefined || (this.#state !== 'starting' && this.#state !== 'lost')) {
      throw new GatewayError(
        'internal_error',
        `chat run ${this.runId} cannot open its event log while ${this.#state}`,
      );
    }
    this.#eventLog = new ChatRunEventLog({ afterSeq });
    if (this.#state === 'lost') this.#eventLog.abandon();
    return this.#eventLog;
  }

  /**
   * starting → running: runs `launch.execute` in the background; once it returned (and a
   * hand-over finished) releases the run, which then ends and `done` settles. A run lost while
   * starting stays lost, but its runner still runs once, its signal aborted.
   */
  launch(launch: ChatRunLaunch): void {
    if (this.#launch !== undefined)
      throw new GatewayError('internal_error', `chat run ${this.runId} was already launched`);
    this.#move('launch');
    this.#launch = launch;
    void this.#runLaunched(launch);
  }

  /** `launch`'s background part (a method: no closure per run). Never rejects. */
  async #runLaunched(launch: ChatRunLaunch): Promise<void> {
    try {
      await launch.execute(this.#controller.signal);
    } catch (error) {
      this.#report(error, 'chat run');
    } finally {
      if (this.#handingOver !== undefined) await this.#handingOver;
      try {
        await launch.release();
      } catch (error) {
        this.#report(error, 'run cleanup');
      }
      this.#move('finish');
      this.#settle();
    }
  }

  /** starting | lost → ended, for a run that never launched; ignored once launched. */
  giveUp(): void {
    if (this.#move('giveUp')) this.#settle();
  }

  /** The run has ended: settles `done` and calls what `onDone` was given, in order. */
  #settle(): void {
    this.#resolveDone?.();
    const callbacks = this.#onDone;
    this.#onDone = undefined;
    if (callbacks !== undefined) for (const callback of callbacks) this.#call(callback);
  }

  /** Calls an `onDone` callback; one that throws is reported and the others still run. */
  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#report(error, 'run end');
    }
  }

  /** Another instance took the run over: stop here, ending local streams without a terminal event. */
  lose(): void {
    if (!this.#move('lose')) return;
    this.#eventLog?.abandon();
    this.#controller.abort(new Error('the run moved to another gateway instance'));
  }

  /** Whether the run was suspended here (it waits in the durable store for its answers). */
  get suspended(): boolean {
    return this.#suspension !== undefined;
  }

  /** What the run waits for when it was suspended here; undefined otherwise. */
  get suspension(): RunSuspension | undefined {
    return this.#suspension;
  }

  /**
   * Suspends a running run: `notice` (a terminal event saying so) ends its stream, and its
   * runner stops. It then ends here like any run (session lock, slot and pending answers are
   * freed) except that its end is not recorded: it waits in the durable store and resumes
   * when answered. False, and nothing changes, when the run is not running or already ending.
   */
  suspend(notice: GatewayEvent, waitsFor: readonly SuspendedCallSummary[]): boolean {
    if (this.#state !== 'running' || this.#controller.signal.aborted || this.eventLog.finished) return false;
    this.#suspension = new RunSuspension(waitsFor);
    this.eventLog.append(notice);
    // The reason tells the calls it cuts short that they wait, not fail (`isRunSuspension`).
    this.#controller.abort(this.#suspension);
    return true;
  }

  /** See `ChatRun.suspendIfWaiting`. */
  async suspendIfWaiting(): Promise<boolean> {
    const suspend = this.#launch?.suspendIfWaiting;
    if (suspend === undefined || this.#state !== 'running' || this.#controller.signal.aborted) return false;
    return suspend();
  }

  /** See `ChatRun.nextStepEnd`. */
  nextStepEnd(): Promise<void> {
    return this.#stepEnds.next();
  }

  /** A step ended: its checkpoint, with nothing in flight, is in the shared store. */
  stepEnded(): void {
    this.#stepEnds.ended();
  }

  /** See `ChatRun.abort`. Not a change of state: the run ends when its runner returns. */
  abort(reason = 'cancelled'): void {
    if (this.#state === 'ended' || this.#controller.signal.aborted) return;
    this.#eventLog?.append({ type: 'error', error: reason });
    this.#controller.abort(new Error(reason));
  }

  /** See `ChatRun.handOver`. */
  async handOver(reason: string): Promise<void> {
    const handOver = this.#launch?.handOver;
    if (this.#state === 'running') {
      // Already ending (cancelled, or its terminal event written): let it end here.
      if (this.eventLog.finished || this.#controller.signal.aborted) return this.done;
      if (handOver === undefined) {
        this.abort(reason);
        return this.done;
      }
    }
    if (handOver === undefined || !this.#move('handOver')) return this.done;
    // Nothing more reaches the log (an aborted tool's `cancelled` result would mislead), and
    // the shared log gets everything before the lease lapses.
    this.eventLog.abandon();
    this.#handingOver = handOver().then(
      () => undefined,
      (error: unknown) => this.#report(error, 'run hand-over'),
    );
    this.#controller.abort(new Error(reason));
    await this.#handingOver;
    return this.done;
  }

  /** Applies `transition`; false when it is ignored in the current state. */
  #move(transition: ChatRunTransition): boolean {
    const next = nextChatRunState(this.#state, transition, this.#launch !== undefined);
    if (typeof next !== 'string') return false;
    this.#state = next;
    return true;
  }
}
