import { performance } from 'node:perf_hooks';
import { abortableSleep } from '../../agent/abortable-sleep.js';
import type { Logger } from '../../core/logger.js';
import { consoleWarningLogger } from '../../core/logger.js';
import { GatewayError } from '../../core/errors.js';
import type { RunOutput } from '../run-output.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { databaseStoresOf } from '../../agent-spec/database-stores-of.js';
import { isGivenDatabase } from '../../agent-spec/database-option.js';
import { openSqlDatabase } from '../../database/sql/open-thread-store.js';
import type { HeartbeatLoopOptions, HeartbeatThread, ResolvedHeartbeatConfig } from './heartbeat-config.js';
import { resolveHeartbeatLoopOptions } from './heartbeat-config.js';
import type { HeartbeatOutcome, HeartbeatSkipReason, HeartbeatState } from './heartbeat-state.js';
import { loadHeartbeatState, readHeartbeatStateFile, saveHeartbeatState } from './heartbeat-state.js';
import { createHeartbeatCluster, type HeartbeatCluster } from './heartbeat-cluster.js';
import { isChecklistEmpty } from './is-checklist-empty.js';
import { isWithinActiveHours } from './is-within-active-hours.js';
import { stripHeartbeatOk } from './strip-heartbeat-ok.js';
import type { HeartbeatCallback, TickResult } from './tick-result.js';

export type { HeartbeatLoopOptions, HeartbeatThread } from './heartbeat-config.js';

const toError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

const isRunOutput = (value: unknown): value is RunOutput =>
  typeof value === 'object' && value !== null && typeof (value as RunOutput).response === 'string';

/** The fields a tick outcome sets; the rest of the `TickResult` is filled in by `#finishTick`. */
type TickFields = Pick<
  TickResult,
  'outcome' | 'output' | 'skipReason' | 'alert' | 'error' | 'strippedResponse'
>;

/**
 * Runs an agent periodically and keeps quiet runs quiet: a response that is just `HEARTBEAT_OK`
 * (plus at most `quietThreshold` characters) calls `onQuiet`, anything else `onAlert`.
 *
 * Ticks never overlap: the next pause starts only after a tick and its callbacks finished.
 * After errors the pause follows `backoffStepsMs` instead of the interval, and a successful run
 * resets it. State (tick count, error streak, last outcome, last pause) is persisted after
 * every tick in `<stateDir>/heartbeat_state.json`, atomically.
 *
 * `stop()` wakes the pause at once and aborts the signal of a running `runFn`: if the run then
 * rejects, the tick is discarded (not counted, no callbacks), because a shutdown is not an agent
 * error; if it still resolves, the tick is recorded normally. Either way `start()` resolves only
 * after that tick settled, so nothing of the loop outlives it.
 *
 * With `thread` and `database`, every tick continues one stored thread: `start()` opens the
 * database first (rejecting with `store_unavailable` when it cannot) and closes it when it
 * returns, and `runFn` receives `{ thread, database, owner }` to spread into `runAutonomous`'s
 * `headless` group. The database also makes the loop a heartbeat of the cluster: the loops of
 * every process on the same database and thread take turns, each tick claimed in the database
 * before it runs (`heartbeat_ticks`), so the cluster ticks once per interval (or backoff step),
 * not once per process; the tick count and error streak are the cluster's.
 */
export class HeartbeatLoop {
  readonly #options: ReturnType<typeof resolveHeartbeatLoopOptions>;
  readonly #config: ResolvedHeartbeatConfig;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #state: HeartbeatState = readHeartbeatStateFile({});
  #stopController: AbortController | undefined;

  /** Validates the options and the config; throws `GatewayError('invalid_option')` naming the problem. */
  constructor(options: HeartbeatLoopOptions) {
    this.#options = resolveHeartbeatLoopOptions(options);
    this.#config = this.#options.config;
    this.#logger = this.#options.logger ?? consoleWarningLogger;
    this.#now = this.#options.now ?? (() => new Date());
  }

  /** Whether `start()` is in progress. */
  get running(): boolean {
    return this.#stopController !== undefined;
  }

  /** Ticks counted so far, including those of earlier processes sharing the state dir. */
  get tickCount(): number {
    return this.#state.tickCount;
  }

  /** A copy of the current state. */
  get state(): HeartbeatState {
    return { ...this.#state };
  }

  /**
   * Runs ticks until `stop()` or `maxTicks` ticks of this call; resolves then. Rejects when the
   * loop is already running.
   */
  async start(): Promise<void> {
    if (this.#stopController !== undefined) {
      throw new GatewayError('invalid_option', 'HeartbeatLoop is already running');
    }
    const stopController = new AbortController();
    this.#stopController = stopController;
    const { signal } = stopController;
    let opened: DatabaseStores | undefined;
    try {
      const { database } = this.#options;
      if (database !== undefined && database !== false && !isGivenDatabase(database)) {
        try {
          opened = await openSqlDatabase(database, { logger: this.#logger, signal });
        } catch (error) {
          // stop() while the database opened: the loop ends like any stopped loop.
          if (signal.aborted) return;
          throw error;
        }
      }
      const stores = opened ?? (isGivenDatabase(database) ? databaseStoresOf(database) : undefined);
      const thread = this.#threadOf(stores);
      const { stateDir, maxTicks } = this.#config;
      // Without a state dir the state lives in memory, so a restarted loop continues its count.
      if (stateDir !== null) this.#state = await loadHeartbeatState(stateDir, this.#logger);
      if (maxTicks !== null && maxTicks <= 0) return;

      const cluster = this.#clusterOf(thread, stores);
      let ticksThisRun = 0;
      while (!signal.aborted) {
        const turn = await cluster?.waitForTurn(signal);
        if (cluster !== undefined && turn === undefined) break;
        if (turn !== undefined) {
          // The cluster's count and error streak, whichever instance ran the ticks before.
          this.#state.tickCount = turn.tick - 1;
          this.#state.consecutiveErrors = turn.consecutiveErrors;
        }
        const held = new AbortController();
        if (turn !== undefined) cluster?.holdClaim(turn.tick, held.signal);
        const tick = await this.#runTick(signal, thread).finally(() => held.abort());
        if (tick === undefined) break;
        ticksThisRun += 1;
        await this.#invoke('Tick', this.#options.onTick, tick);
        const delayMs = this.#currentDelayMs();
        if (turn !== undefined) {
          const { consecutiveErrors } = this.#state;
          const nextDueAt = this.#now().getTime() + delayMs;
          await cluster?.finish(turn.tick, { outcome: tick.outcome, consecutiveErrors, nextDueAt });
        }
        if (maxTicks !== null && ticksThisRun >= maxTicks) break;

        this.#state.lastDelayMs = delayMs;
        await this.#persist();
        // In a cluster the next turn is claimed when due (by any instance), not slept for here.
        if (cluster === undefined) await abortableSleep(delayMs, signal);
      }
    } finally {
      this.#stopController = undefined;
      await opened
        ?.close()
        .catch((error: unknown) =>
          this.#logger.warn(`Closing the heartbeat's thread database failed: ${toError(error).message}`),
        );
    }
  }

  /** What each tick continues: the loop's thread in the open database's thread store, or nothing. */
  #threadOf(stores: DatabaseStores | undefined): HeartbeatThread {
    const { thread, owner } = this.#options;
    if (thread === undefined || stores === undefined) return {};
    return { thread, database: stores.threads, ...(owner === undefined ? {} : { owner }) };
  }

  /**
   * The cluster this loop takes turns with: the ticks of its thread in its database, when that
   * database keeps heartbeat ticks (every SQL one does).
   */
  #clusterOf(thread: HeartbeatThread, stores: DatabaseStores | undefined): HeartbeatCluster | undefined {
    const store = thread.database === undefined ? undefined : stores?.heartbeats;
    if (store === undefined || thread.thread === undefined) return undefined;
    return createHeartbeatCluster({
      store,
      name: thread.thread,
      now: () => this.#now().getTime(),
      warn: (message) => this.#logger.warn(message),
    });
  }

  /** Ends the loop: wakes the pause at once and aborts a running tick's signal. No-op when idle. */
  stop(): void {
    this.#stopController?.abort(new GatewayError('aborted', 'HeartbeatLoop stopped'));
  }

  /** One tick; undefined when `stop()` interrupted the run (the tick is then discarded). */
  async #runTick(signal: AbortSignal, thread: HeartbeatThread): Promise<TickResult | undefined> {
    const before = { ...this.#state };
    const tickNumber = before.tickCount + 1;
    const startedAt = this.#now().toISOString();
    const startedMs = performance.now();
    this.#state.tickCount = tickNumber;
    this.#state.lastTickStartedAt = startedAt;
    const finish = (fields: TickFields, callback?: () => Promise<void>): Promise<TickResult> =>
      this.#finishTick(
        { ...fields, skipped: fields.outcome === 'skipped', tickNumber, startedAt },
        startedMs,
        callback,
      );
    const skip = (skipReason: HeartbeatSkipReason): Promise<TickResult> =>
      finish({
        outcome: 'skipped',
        output: null,
        skipReason,
        alert: false,
        error: null,
        strippedResponse: '',
      });

    const { activeHours, timezone, checklistPath, quietThreshold } = this.#config;
    if (!isWithinActiveHours(activeHours, timezone, this.#now(), this.#logger))
      return skip('outside_active_hours');
    if (checklistPath !== null && (await isChecklistEmpty(checklistPath, this.#logger))) {
      return skip('empty_checklist');
    }

    let output: RunOutput;
    try {
      const returned: unknown = await this.#options.runFn(signal, { ...thread });
      if (!isRunOutput(returned)) throw new TypeError('runFn must resolve with a RunOutput');
      output = returned;
    } catch (thrown) {
      if (signal.aborted) {
        this.#state = before;
        return undefined;
      }
      const error = toError(thrown);
      this.#state.consecutiveErrors += 1;
      return finish(
        {
          outcome: 'error',
          output: null,
          skipReason: null,
          alert: false,
          error: `${error.name}: ${error.message}`,
          strippedResponse: '',
        },
        () => this.#invoke('Error', this.#options.onError, error),
      );
    }

    const { text: strippedResponse, hadToken } = stripHeartbeatOk(output.response);
    const runError = output.error || (output.timedOut ? 'Heartbeat run timed out' : null);
    if (runError) {
      this.#state.consecutiveErrors += 1;
      return finish(
        { outcome: 'error', output, skipReason: null, alert: false, error: runError, strippedResponse },
        () => this.#invoke('Error', this.#options.onError, output),
      );
    }
    this.#state.consecutiveErrors = 0;
    const stoppedByLimit = output.budgetExceeded || output.maxTurnsReached;
    if (!stoppedByLimit && hadToken && strippedResponse.trim().length <= quietThreshold) {
      return finish(
        { outcome: 'quiet', output, skipReason: null, alert: false, error: null, strippedResponse },
        () => this.#invoke('Quiet', this.#options.onQuiet, output),
      );
    }
    const outcome: HeartbeatOutcome = output.budgetExceeded
      ? 'budget_exceeded'
      : output.maxTurnsReached
        ? 'max_turns_reached'
        : 'alert';
    return finish({ outcome, output, skipReason: null, alert: true, error: null, strippedResponse }, () =>
      this.#invoke('Alert', this.#options.onAlert, output),
    );
  }

  /** Records the tick in the state, runs its outcome callback, persists, and returns the result. */
  async #finishTick(
    fields: Omit<TickResult, 'durationMs'>,
    startedMs: number,
    callback: (() => Promise<void>) | undefined,
  ): Promise<TickResult> {
    const durationMs = performance.now() - startedMs;
    Object.assign(this.#state, {
      lastOutcome: fields.outcome,
      lastError: fields.error,
      lastSkipReason: fields.skipReason,
      lastAlert: fields.alert,
      lastTickFinishedAt: this.#now().toISOString(),
      lastDurationMs: durationMs,
      lastDelayMs: null,
    } satisfies Partial<HeartbeatState>);
    await callback?.();
    await this.#persist();
    return { ...fields, durationMs };
  }

  /** The pause before the next tick: the backoff step of the error streak, else the interval. */
  #currentDelayMs(): number {
    const errors = this.#state.consecutiveErrors;
    const steps = this.#config.backoffStepsMs;
    if (errors > 0 && steps.length > 0)
      return steps[Math.min(errors - 1, steps.length - 1)] ?? this.#config.intervalMs;
    return this.#config.intervalMs;
  }

  async #persist(): Promise<void> {
    if (this.#config.stateDir === null) return;
    try {
      await saveHeartbeatState(this.#config.stateDir, this.#state);
    } catch (error) {
      // A full disk must not end a long-running loop; the next tick tries again.
      this.#logger.error(`Failed to persist heartbeat state: ${toError(error).message}`);
    }
  }

  async #invoke<Value>(
    label: string,
    callback: HeartbeatCallback<Value> | undefined,
    value: Value,
  ): Promise<void> {
    if (callback === undefined) return;
    try {
      await callback(value, this.state);
    } catch (error) {
      this.#logger.warn(`${label} callback failed (non-fatal): ${toError(error).message}`);
    }
  }
}
