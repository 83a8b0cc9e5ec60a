import type { SlotCounter } from '../../core/slot-counter.js';
import type { GatewayStores } from '../../core/stores.js';
import { createMemorySlotCounter, type MemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { ToolError } from '../../core/tool.js';
import { HttpError } from '../../core/http-error.js';

/** How much longer than its wait a pending answer's slot is leased (the answer's delivery). */
const PENDING_ANSWER_LEASE_MARGIN_MS = 5_000;

/** Options of `createRunCaps`. */
export interface RunCapsOptions {
  /** Slots of running and runs waiting for answers, by API key hash. */
  runs: SlotCounter;
  /** Slots of calls waiting for a client's answer, by API key hash. */
  pendingAnswers: SlotCounter;
  maxRunsPerApiKey: number;
  maxPendingAnswersPerApiKey: number;
  maxPendingAnswersPerSession: number;
  /**
   * Lease of a run's slot, renewed every third of it while the run lasts, so that the slots of
   * a crashed instance's runs lapse (shared counters). Undefined: no lease and no renewal (the
   * counters live and die with this process).
   */
  leaseMs?: number;
  report: (error: unknown, where: string) => void;
}

/** A run as the caps see it. */
export interface RunOfKey {
  runId: string;
  sessionId: string;
  apiKeyHash: string;
}

/** The slot a run holds while it lasts on this instance. */
export interface RunSlot {
  /**
   * Counts a call of the run as waiting for its client's answer for up to `waitMs` (the run is
   * waiting for answers while any is). Throws a `ToolError` `limit_reached` naming the caps when the
   * session or the API key has too many calls waiting: the model reads it, the call is not
   * asked. Returns the idempotent function that gives the call back once answered or given up.
   */
  countPendingAnswer(toolCallId: string, waitMs: number): Promise<() => void>;
  /**
   * The run ended here: gives its slot and any pending answer back. Idempotent. Undefined when
   * that was done at once (in-process counters): nothing to wait for.
   */
  release(): Promise<void> | undefined;
  /** The run goes on at another instance, which took its slot over: stops renewing only. */
  standDown(): void;
}

/**
 * Caps per API key on runs and on pending answers. A run waiting for answers (waiting for a person's approval or
 * a browser's tool result) holds no model call or CPU, so it does not count against the
 * instance's `maxConcurrentRuns` (`pendingAnswerRunCount` says how many to leave out); it counts
 * against its key's caps instead, so one key cannot hold what other keys need.
 */
export interface RunCaps {
  /**
   * Admits a run of the key: throws a 429 `HttpError` with `retry-after`, naming the limit, when
   * the key has `maxPendingAnswersPerApiKey` calls waiting or `maxRunsPerApiKey` runs going.
   * `force` (a run taken over from another instance) is never refused, but counts. Answered at
   * once (the slot, or the 429 thrown) over in-process counters, which answer at once: no
   * promise and no turn of the microtask queue per chat.
   */
  admit(run: RunOfKey, options?: { force?: boolean }): RunSlot | Promise<RunSlot>;
  /** Runs of this instance with at least one call waiting for an answer. */
  pendingAnswerRunCount(): number;
}

/** What every slot of one `RunCaps` shares. */
interface CapsState {
  readonly options: RunCapsOptions;
  /** Lease of a run's slot (infinite without `leaseMs`). */
  readonly runLeaseMs: number;
  readonly pendingAnswerRuns: Set<RunSlot>;
  readonly pendingAnswerRefused: () => ToolError;
  /** The run counter, when it answers at once (in-process). */
  readonly runs: MemorySlotCounter | undefined;
}

/** Whether `counter` answers at once (the in-process one). */
const answersAtOnce = (counter: SlotCounter): counter is MemorySlotCounter =>
  typeof (counter as Partial<MemorySlotCounter>).acquireNow === 'function';

/**
 * The slot of one admitted run: plain fields, with its calls' map made at its first pending
 * answer and its renewal timer only when slots are leased (most runs never ask their client).
 */
class AdmittedRunSlot implements RunSlot {
  readonly #caps: CapsState;
  readonly #runId: string;
  readonly #apiKeyHash: string;
  /** Give-backs of the calls waiting for an answer, by counter member. */
  #waiting: Map<string, () => void> | undefined;
  #ended = false;
  #renewal: ReturnType<typeof setInterval> | undefined;

  constructor(caps: CapsState, runId: string, apiKeyHash: string) {
    this.#caps = caps;
    this.#runId = runId;
    this.#apiKeyHash = apiKeyHash;
    const { leaseMs, report } = caps.options;
    if (leaseMs === undefined) return;
    this.#renewal = setInterval(() => {
      caps.options.runs
        .acquire(apiKeyHash, runId, { limit: Number.POSITIVE_INFINITY, leaseMs: caps.runLeaseMs })
        .catch((error: unknown) => report(error, 'run slot renewal'));
    }, leaseMs / 3);
    this.#renewal.unref();
  }

  async countPendingAnswer(toolCallId: string, waitMs: number): Promise<() => void> {
    const { options, pendingAnswerRuns, pendingAnswerRefused } = this.#caps;
    const member = `${this.#runId}:${toolCallId}`;
    const waiting = (this.#waiting ??= new Map());
    if (this.#ended || waiting.size >= options.maxPendingAnswersPerSession) throw pendingAnswerRefused();
    let given = false;
    const giveBack = (): void => {
      if (given) return;
      given = true;
      waiting.delete(member);
      if (waiting.size === 0) pendingAnswerRuns.delete(this);
      options.pendingAnswers
        .release(this.#apiKeyHash, member)
        .catch((error: unknown) => options.report(error, 'pending answer release'));
    };
    // Counted for the session before the shared count answers, so that calls asked
    // together cannot all pass the session's cap.
    waiting.set(member, giveBack);
    pendingAnswerRuns.add(this);
    const taken = await options.pendingAnswers
      .acquire(this.#apiKeyHash, member, {
        limit: options.maxPendingAnswersPerApiKey,
        leaseMs: waitMs + PENDING_ANSWER_LEASE_MARGIN_MS,
      })
      .catch((error: unknown) => {
        giveBack();
        throw error;
      });
    if (!taken) {
      giveBack();
      throw pendingAnswerRefused();
    }
    return giveBack;
  }

  release(): Promise<void> | undefined {
    if (this.#ended) return undefined;
    this.#stop();
    if (this.#waiting !== undefined) for (const giveBack of [...this.#waiting.values()]) giveBack();
    const { runs } = this.#caps;
    if (runs === undefined) return this.#caps.options.runs.release(this.#apiKeyHash, this.#runId);
    runs.releaseNow(this.#apiKeyHash, this.#runId);
    return undefined;
  }

  standDown(): void {
    if (this.#ended) return;
    this.#stop();
    this.#waiting?.clear();
  }

  #stop(): void {
    this.#ended = true;
    if (this.#renewal !== undefined) clearInterval(this.#renewal);
    this.#caps.pendingAnswerRuns.delete(this);
  }
}

/** Creates the run caps over slot counters (in-process, or shared across instances). */
export function createRunCaps(options: RunCapsOptions): RunCaps {
  const { runs, pendingAnswers } = options;
  const immediate =
    answersAtOnce(runs) && answersAtOnce(pendingAnswers) ? { runs, pendingAnswers } : undefined;
  const caps: CapsState = {
    runs: immediate?.runs,
    options,
    runLeaseMs: options.leaseMs ?? Number.POSITIVE_INFINITY,
    pendingAnswerRuns: new Set<RunSlot>(),
    pendingAnswerRefused: () =>
      new ToolError(
        'limit_reached',
        'Too many tool calls are waiting for an answer ' +
          `(maxPendingAnswersPerSession ${options.maxPendingAnswersPerSession}, ` +
          `maxPendingAnswersPerApiKey ${options.maxPendingAnswersPerApiKey}); this call was not asked`,
      ),
  };

  const tooManyPendingAnswers = (): HttpError =>
    HttpError.detail(
      429,
      'Too many tool calls of this API key are waiting for an answer ' +
        `(maxPendingAnswersPerApiKey ${options.maxPendingAnswersPerApiKey}); answer or cancel one first`,
      { headers: { 'retry-after': '5' } },
    );
  const tooManyRuns = (): HttpError =>
    HttpError.detail(
      429,
      `Too many runs of this API key in progress (maxRunsPerApiKey ${options.maxRunsPerApiKey}); ` +
        'retry when one has ended',
      { headers: { 'retry-after': '1' } },
    );

  return {
    pendingAnswerRunCount: () => caps.pendingAnswerRuns.size,
    admit(run, admitOptions) {
      const force = admitOptions?.force === true;
      if (immediate === undefined) return admitLater(run, force);
      const { runId, apiKeyHash } = run;
      if (!force && immediate.pendingAnswers.countNow(apiKeyHash) >= options.maxPendingAnswersPerApiKey) {
        throw tooManyPendingAnswers();
      }
      const limit = force ? Number.POSITIVE_INFINITY : options.maxRunsPerApiKey;
      if (!immediate.runs.acquireNow(apiKeyHash, runId, { limit, leaseMs: caps.runLeaseMs }))
        throw tooManyRuns();
      return new AdmittedRunSlot(caps, runId, apiKeyHash);
    },
  };

  /** `admit` over counters that answer later (shared ones). */
  async function admitLater({ runId, apiKeyHash }: RunOfKey, force: boolean): Promise<RunSlot> {
    if (!force && (await pendingAnswers.count(apiKeyHash)) >= options.maxPendingAnswersPerApiKey) {
      throw tooManyPendingAnswers();
    }
    const limit = force ? Number.POSITIVE_INFINITY : options.maxRunsPerApiKey;
    if (!(await runs.acquire(apiKeyHash, runId, { limit, leaseMs: caps.runLeaseMs }))) {
      throw tooManyRuns();
    }
    return new AdmittedRunSlot(caps, runId, apiKeyHash);
  }
}

/**
 * The app's run caps from its settings: shared slot counters when the stores offer them (the
 * caps then hold for the deployment, and run slots are leased like runs), else in-process ones.
 */
export function createAppRunCaps(settings: {
  config: Pick<
    GatewayServerConfig,
    'maxRunsPerApiKey' | 'maxPendingAnswersPerApiKey' | 'maxPendingAnswersPerSession'
  >;
  stores: Pick<GatewayStores, 'createSlotCounter'>;
  /** Lease of a run's slot in shared counters (the run lease's length). */
  leaseMs: number | undefined;
  report: (error: unknown, where: string) => void;
}): RunCaps {
  const { config, stores, report } = settings;
  const shared = stores.createSlotCounter;
  const counter = (name: string): SlotCounter => shared?.(name) ?? createMemorySlotCounter();
  return createRunCaps({
    runs: counter('runs'),
    pendingAnswers: counter('parked-calls'),
    maxRunsPerApiKey: config.maxRunsPerApiKey,
    maxPendingAnswersPerApiKey: config.maxPendingAnswersPerApiKey,
    maxPendingAnswersPerSession: config.maxPendingAnswersPerSession,
    ...(shared === undefined || settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
    report,
  });
}
