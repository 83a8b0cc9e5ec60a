import type {
  BudgetCounterStore,
  BudgetOverride,
  CounterReservation,
  CounterReserveOutcome,
  ImmediateBudgetCounters,
} from '../core/budget-counter-store.js';
import type {
  BudgetAdmission,
  BudgetGate,
  BudgetRefusal,
  BudgetReservation,
  BudgetStanding,
  ModelCallCharge,
} from '../core/budget-gate.js';
import type { TurnUsage } from '../core/provider.js';
import type { BudgetFor, BudgetRule } from './budget-rules.js';
import type { BudgetCounterHold } from './counter-hold-of.js';
import { createPayerHolds, type PayerFacts } from './payer-holds.js';
import { crossingsOf, tightestOf, type SoftThresholdCrossing } from './budget-standing.js';
import { abortReason, untilAborted, withinTime } from './bounded-wait.js';
import { reservationOn } from './budget-reservation.js';
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
  /**
   * Called once per call the store settled (not for a settle that found it settled already),
   * with its cost in micro-dollars: the spend metric. Synchronous, inside the settle.
   */
  onSettled?: ((charge: ModelCallCharge, costMicros: number) => void) | undefined;
  /** Called for each refusal the gate answers (a budget over its limit, the store down, no price). */
  onRefused?: ((refusal: BudgetRefusal) => void) | undefined;
}

export type { SoftThresholdCrossing } from './budget-standing.js';

/** A reservation that holds nothing (admitted with the store down and `failOpen` set). */
const unheldReservation = (callId: string): BudgetReservation => ({
  callId,
  standing: undefined,
  settle: async () => {},
  release: async () => {},
});

/** What `budgetFor` answered: its budgets now, or a promise of them. */
type PlanBudgets = ReturnType<BudgetFor>;

const isPending = (plan: PlanBudgets): plan is Promise<BudgetRule[] | undefined> =>
  typeof (plan as { then?: unknown } | undefined)?.then === 'function';

/** A reserve ready for the store: the request and its holds, or the refusal decided before asking. */
type PreparedReserve =
  | { request: CounterReservation; holds: readonly BudgetCounterHold[]; time: number }
  | { refused: BudgetAdmission };

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

  const timeoutMs = options.timeoutMs ?? 2_000;
  const payers = createPayerHolds(options.budgets);

  const counted = (admission: BudgetAdmission): BudgetAdmission => {
    if (!admission.admitted) options.onRefused?.(admission.refusal);
    return admission;
  };

  const reservationOf = (
    charge: ModelCallCharge,
    standing: BudgetStanding | undefined,
    store: BudgetCounterStore,
  ): BudgetReservation => reservationOn(options, now, charge, standing, store);

  const storeDown = (error: unknown, charge: ModelCallCharge): BudgetAdmission => {
    if (options.failOpen !== true) return { admitted: false, refusal: refusalStoreDown() };
    options.onFailOpen?.(error, charge);
    return { admitted: true, reservation: unheldReservation(charge.callId) };
  };

  /** The request a reserve of `charge` sends: its worst case on every budget that applies. */
  const prepare = (
    charge: ModelCallCharge,
    facts: PayerFacts,
    fromCode: readonly BudgetRule[],
    atRuntime: readonly BudgetOverride[],
  ): PreparedReserve => {
    const time = now();
    const holds = payers.holdsOf(facts, fromCode, atRuntime, time);
    const worstCase: TurnUsage = {
      inputTokens: charge.inputTokens,
      outputTokens: charge.maxOutputTokens,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
    };
    const priced = options.prices.costOf(charge.provider, charge.model, worstCase);
    if (priced === undefined && holds.length > 0) {
      return { refused: { admitted: false, refusal: refusalUnpriced(charge.model) } };
    }
    const request: CounterReservation = {
      callId: charge.callId,
      amountMicros: priced?.microUsd ?? 0,
      holds,
      leaseUntil: time + options.leaseMs,
      entry: {
        runId: charge.runId,
        provider: charge.provider,
        model: charge.model,
        payer: facts.payer,
      },
    };
    return { request, holds, time };
  };

  /** The admission a store's answer to a prepared reserve makes. */
  const conclude = (
    store: BudgetCounterStore,
    charge: ModelCallCharge,
    { request, holds, time }: Extract<PreparedReserve, { request: CounterReservation }>,
    outcome: CounterReserveOutcome,
  ): BudgetAdmission => {
    if (outcome.reserved) {
      if (options.onSoftThreshold !== undefined) {
        for (const crossing of crossingsOf(holds, outcome.counters, request.amountMicros)) {
          options.onSoftThreshold(crossing);
        }
      }
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

  /**
   * The admission decided at once by a store that decides in this process, or undefined when it
   * must wait (not open, a counter to read) or refused over a limit (the asynchronous path then
   * sweeps expired holds and tries again). A hold on its way to durable storage (`written`) is
   * admitted only once it is there; if it cannot get there, the store is down. A caller that
   * stopped waiting meanwhile gets its signal's reason, and the hold is given back.
   */
  const decideNow = (
    immediate: ImmediateBudgetCounters,
    store: BudgetCounterStore,
    charge: ModelCallCharge,
    fromCode: readonly BudgetRule[],
    signal: AbortSignal | undefined,
  ): Promise<BudgetAdmission> | undefined => {
    const facts = payers.factsOf(charge.payer);
    const atRuntime = immediate.overrides(facts.scopes);
    if (atRuntime === undefined) return undefined;
    const prepared = prepare(charge, facts, fromCode, atRuntime);
    if ('refused' in prepared) return Promise.resolve(counted(prepared.refused));
    const outcome = immediate.reserve(prepared.request);
    if (outcome === undefined || (!outcome.reserved && outcome.reason === 'over_limit')) return undefined;
    if (!outcome.reserved || outcome.written === undefined) {
      return Promise.resolve(counted(conclude(store, charge, prepared, outcome)));
    }
    return outcome.written.then(
      () => {
        const admission = conclude(store, charge, prepared, outcome);
        if (signal?.aborted === true && admission.admitted) {
          void admission.reservation.release();
          throw abortReason(signal);
        }
        return admission;
      },
      (error: unknown) => counted(storeDown(error, charge)),
    );
  };

  const reserveOn = async (
    store: BudgetCounterStore,
    charge: ModelCallCharge,
    plan: PlanBudgets,
    signal: AbortSignal | undefined,
  ): Promise<BudgetAdmission> => {
    const facts = payers.factsOf(charge.payer);
    const [fromCode, atRuntime] = await Promise.all([plan, store.overrides(facts.scopes, signal)]);
    const prepared = prepare(charge, facts, fromCode ?? [], atRuntime);
    if ('refused' in prepared) return prepared.refused;
    const { request, time } = prepared;
    let outcome = await store.reserve(request, signal);
    if (
      !outcome.reserved &&
      outcome.reason === 'over_limit' &&
      (await store.sweepExpired(time, 100, signal)) > 0
    ) {
      // Holds of dead instances were in the way: settled now, the call may fit.
      outcome = await store.reserve(request, signal);
    }
    return conclude(store, charge, prepared, outcome);
  };

  /** The asynchronous path: the store's promises, bounded by the timeout and the caller's signal. */
  const admitLater = async (
    store: BudgetCounterStore,
    charge: ModelCallCharge,
    plan: PlanBudgets,
    signal: AbortSignal | undefined,
  ): Promise<BudgetAdmission> => {
    const reserving = reserveOn(store, charge, plan, signal);
    try {
      return await withinTime(signal === undefined ? reserving : untilAborted(reserving, signal), timeoutMs);
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
  };

  return {
    reserve(charge, signal) {
      let store: BudgetCounterStore;
      let plan: PlanBudgets;
      try {
        store = options.counters();
        plan = options.budgetFor?.(charge.payer);
        const immediate = store.immediate;
        if (immediate !== undefined && !isPending(plan) && signal?.aborted !== true) {
          const decided = decideNow(immediate, store, charge, plan ?? [], signal);
          if (decided !== undefined) return decided;
        }
      } catch (error) {
        return Promise.resolve(counted(storeDown(error, charge)));
      }
      return admitLater(store, charge, plan, signal).then(counted);
    },
    async close() {
      await sweep?.close();
    },
  };
}
