import type { BudgetCounterStore, CounterHold, CounterState } from '../core/budget-counter-store.js';
import type {
  BudgetAdmission,
  BudgetGate,
  BudgetReservation,
  BudgetStanding,
  ModelCallCharge,
} from '../core/budget-gate.js';
import type { TurnUsage } from '../core/provider.js';
import { budgetsFor, scopesOf, type AppliedBudget, type BudgetFor, type BudgetRule } from './budget-rules.js';
import { counterHoldOf, MICROS_PER_USD } from './counter-hold-of.js';
import type { PriceResolver } from './price-resolver.js';
import { refusalOverLimit, refusalStoreDown, refusalUnpriced } from './budget-refusals.js';
import { startLeaseSweep, type LeaseSweep } from './lease-sweep.js';

/** Options of `createBudgetGate`. */
export interface BudgetGateOptions {
  /** `server.budgets`. */
  budgets: readonly BudgetRule[];
  prices: PriceResolver;
  /**
   * The counter store, asked at each call: the database's opens with the app, so it may not
   * exist when the gate is made. A throw counts as the store being down.
   */
  counters: () => BudgetCounterStore;
  /** `server.budgetFor`: budgets from the payer's plan. */
  budgetFor?: BudgetFor | undefined;
  /** Admit calls when the counter store fails (default false: refuse with 503). */
  failOpen?: boolean | undefined;
  /** How long a reservation holds before any instance may settle it to its worst case (ms). */
  leaseMs: number;
  /**
   * How long a reserve may wait for the counter store before the store counts as down (ms; 2 000
   * unless given): a store that reconnects must not hold requests for its whole retry time.
   */
  timeoutMs?: number | undefined;
  /** How often this instance sweeps expired reservations (ms); 0 turns the timer off. */
  sweepIntervalMs: number;
  /** Clock in ms since the epoch; `Date.now` unless given (tests move it). */
  now?: (() => number) | undefined;
  /** Called for each call admitted because the store failed and `failOpen` is set (log, metric). */
  onFailOpen?: ((error: unknown, charge: ModelCallCharge) => void) | undefined;
  /**
   * Called when a reserve takes a budget with `softAtPercent` across its soft threshold. The
   * counters' atomic step decides which reserve crossed, so across instances one call sees each
   * crossing (a released hold may let a later call cross again: `counterId` names the budget and
   * window, for a sender that sends one notice per window).
   */
  onSoftThreshold?: ((crossing: SoftThresholdCrossing) => void) | undefined;
  /** Where failures nobody awaits go (a settle or sweep that failed). */
  onError: (error: unknown, where: string) => void;
}

/** A budget whose soft threshold a reserve crossed (`onSoftThreshold`). */
export interface SoftThresholdCrossing {
  /** The budget's counter: its scope, window and the window's start. */
  counterId: string;
  scope: string;
  window: AppliedBudget['window'];
  limitUsd: number;
  softAtPercent: number;
  /** Spent and held on the budget right after the crossing hold. */
  usedUsd: number;
  /** ISO time the window ends; null for `total`. */
  resetsAt: string | null;
}

const noUsage: TurnUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

/** The budget with the least left after the hold, for the `x-budget-*` headers. */
const tightestOf = (
  holds: ReadonlyArray<CounterHold & { budget: AppliedBudget }>,
  states: ReadonlyMap<string, CounterState>,
): BudgetStanding | undefined => {
  let tightest: BudgetStanding | undefined;
  for (const hold of holds) {
    const state = states.get(hold.counterId) ?? { spentMicros: 0, reservedMicros: 0 };
    const remainingMicros = Math.max(0, hold.limitMicros - state.spentMicros - state.reservedMicros);
    if (tightest !== undefined && remainingMicros / MICROS_PER_USD >= tightest.remainingUsd) continue;
    tightest = {
      scope: hold.budget.scope,
      limitUsd: hold.budget.limitUsd,
      remainingUsd: remainingMicros / MICROS_PER_USD,
      resetsAt: hold.windowEndsAt === undefined ? null : new Date(hold.windowEndsAt).toISOString(),
    };
  }
  return tightest;
};

/** `work`, or its signal's reason once the signal aborts first (the work is left to finish). */
const untilAborted = <Value>(work: Promise<Value>, signal: AbortSignal): Promise<Value> =>
  new Promise<Value>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason instanceof Error ? signal.reason : new Error('budget reserve aborted'));
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });

/**
 * `work`, or a rejection once `timeoutMs` pass first (the work is left to finish). A plain timer,
 * not `AbortSignal.timeout`: no store reads the signal, and a timeout signal per reserve cost
 * more than the in-memory reserve of the embedded database.
 */
const withinTime = <Value>(work: Promise<Value>, timeoutMs: number): Promise<Value> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the budget store did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => {
    clearTimeout(timer);
  });
};

/** A reservation that holds nothing (admitted with the store down and `failOpen` set). */
const unheldReservation = (callId: string): BudgetReservation => ({
  callId,
  standing: undefined,
  settle: async () => {},
  release: async () => {},
});

/**
 * The budget gate: prices a call's worst case, holds it on every budget that applies to the
 * payer in one atomic step of the counter store, and settles the hold to the call's real cost
 * (idempotently, by call id). Reservations nobody settles (the instance died) are settled to the
 * amount they held once their lease ends, by the sweep of any instance: what they cost is not
 * known, and a hard budget must not undercount.
 */
export function createBudgetGate(options: BudgetGateOptions): BudgetGate {
  const now = options.now ?? Date.now;
  const sweep: LeaseSweep | undefined =
    options.sweepIntervalMs > 0
      ? startLeaseSweep({
          counters: options.counters,
          intervalMs: options.sweepIntervalMs,
          now,
          onError: options.onError,
        })
      : undefined;

  const reservationOf = (
    charge: ModelCallCharge,
    standing: BudgetStanding | undefined,
    store: BudgetCounterStore,
  ): BudgetReservation => ({
    callId: charge.callId,
    standing,
    async settle(usage, signal) {
      const cost = options.prices.costOf(charge.provider, charge.model, usage);
      try {
        await store.settle(
          charge.callId,
          {
            costMicros: cost?.microUsd ?? 0,
            usage: { ...usage },
            priceVersion: cost?.priceVersion ?? 'unpriced',
            at: now(),
          },
          signal,
        );
      } catch (error) {
        // The hold stays until its lease ends; then a sweep charges it its worst case.
        options.onError(error, `budget settle of call ${charge.callId}`);
      }
    },
    async release(signal) {
      try {
        await store.release(charge.callId, signal);
      } catch (error) {
        options.onError(error, `budget release of call ${charge.callId}`);
      }
    },
  });

  const reportCrossings = (
    holds: ReadonlyArray<CounterHold & { budget: AppliedBudget }>,
    states: ReadonlyMap<string, CounterState>,
    amountMicros: number,
  ): void => {
    if (options.onSoftThreshold === undefined) return;
    for (const hold of holds) {
      const percent = hold.budget.softAtPercent;
      const state = states.get(hold.counterId);
      if (percent === undefined || state === undefined) continue;
      const used = state.spentMicros + state.reservedMicros;
      const threshold = (hold.limitMicros * percent) / 100;
      if (used - amountMicros >= threshold || used < threshold) continue;
      options.onSoftThreshold({
        counterId: hold.counterId,
        scope: hold.budget.scope,
        window: hold.budget.window,
        limitUsd: hold.budget.limitUsd,
        softAtPercent: percent,
        usedUsd: used / MICROS_PER_USD,
        resetsAt: hold.windowEndsAt === undefined ? null : new Date(hold.windowEndsAt).toISOString(),
      });
    }
  };

  const storeDown = (error: unknown, charge: ModelCallCharge): BudgetAdmission => {
    if (options.failOpen !== true) return { admitted: false, refusal: refusalStoreDown() };
    options.onFailOpen?.(error, charge);
    return { admitted: true, reservation: unheldReservation(charge.callId) };
  };

  const reserveOn = async (
    store: BudgetCounterStore,
    charge: ModelCallCharge,
    signal: AbortSignal | undefined,
  ): Promise<BudgetAdmission> => {
    const [fromCode, atRuntime] = await Promise.all([
      options.budgetFor?.(charge.payer),
      store.overrides(scopesOf(charge.payer), signal),
    ]);
    const applied = budgetsFor(charge.payer, options.budgets, fromCode ?? [], atRuntime);
    const worstCase = { ...noUsage, inputTokens: charge.inputTokens, outputTokens: charge.maxOutputTokens };
    const priced = options.prices.costOf(charge.provider, charge.model, worstCase);
    if (priced === undefined && applied.length > 0) {
      return { admitted: false, refusal: refusalUnpriced(charge.model) };
    }
    const time = now();
    const holds = applied.map((budget) => counterHoldOf(budget, time));
    const request = {
      callId: charge.callId,
      amountMicros: priced?.microUsd ?? 0,
      holds,
      leaseUntil: time + options.leaseMs,
      entry: {
        runId: charge.runId,
        provider: charge.provider,
        model: charge.model,
        payer: { ...charge.payer },
      },
    };
    let outcome = await store.reserve(request, signal);
    if (
      !outcome.reserved &&
      outcome.reason === 'over_limit' &&
      (await store.sweepExpired(time, 100, signal)) > 0
    ) {
      // Holds of dead instances were in the way: settled now, the call may fit.
      outcome = await store.reserve(request, signal);
    }
    if (outcome.reserved) {
      reportCrossings(holds, outcome.counters, request.amountMicros);
      return {
        admitted: true,
        reservation: reservationOf(charge, tightestOf(holds, outcome.counters), store),
      };
    }
    if (outcome.reason === 'duplicate_call') {
      // A retry of a call keeps its id: the hold made for the first attempt covers it.
      return { admitted: true, reservation: reservationOf(charge, undefined, store) };
    }
    const refusing = holds.find((hold) => hold.counterId === outcome.counterId) ?? holds[0];
    if (refusing === undefined) throw new Error('a reservation without budgets was refused');
    return { admitted: false, refusal: refusalOverLimit(refusing, outcome.state, time) };
  };

  return {
    async reserve(charge, signal): Promise<BudgetAdmission> {
      let store: BudgetCounterStore;
      try {
        store = options.counters();
      } catch (error) {
        return storeDown(error, charge);
      }
      const reserving = reserveOn(store, charge, signal);
      try {
        return await withinTime(
          signal === undefined ? reserving : untilAborted(reserving, signal),
          options.timeoutMs ?? 2_000,
        );
      } catch (error) {
        // The store may still take the hold after the caller stopped waiting (a command in
        // flight): the call is never made, so that hold is given back as soon as it lands.
        reserving.then(
          (late) => (late.admitted ? late.reservation.release() : undefined),
          () => undefined,
        );
        if (signal?.aborted === true) throw error;
        return storeDown(error, charge);
      }
    },
    async close() {
      await sweep?.close();
    },
  };
}
