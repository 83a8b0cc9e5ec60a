import type { CounterState } from '../core/budget-counter-store.js';
import type { BudgetStanding } from '../core/budget-gate.js';
import type { AppliedBudget } from './budget-rules.js';
import { MICROS_PER_USD, type BudgetCounterHold } from './counter-hold-of.js';

/** A budget whose soft threshold a reserve crossed (`BudgetGateOptions.onSoftThreshold`). */
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

/** The last window end written as ISO text: every call of a window asks for the same one. */
let lastEnd: { at: number; iso: string } | undefined;

/** `windowEndsAt` as the wire writes it: ISO text, or null for a `total` budget. */
export function resetsAtOf(windowEndsAt: number | undefined): string | null {
  if (windowEndsAt === undefined) return null;
  if (lastEnd?.at !== windowEndsAt) lastEnd = { at: windowEndsAt, iso: new Date(windowEndsAt).toISOString() };
  return lastEnd.iso;
}

/** The budget with the least left after a reserve's hold, for the `x-budget-*` headers. */
export function tightestOf(
  holds: readonly BudgetCounterHold[],
  states: ReadonlyMap<string, CounterState>,
): BudgetStanding | undefined {
  let tightest: BudgetStanding | undefined;
  for (const hold of holds) {
    const state = states.get(hold.counterId);
    const used = state === undefined ? 0 : state.spentMicros + state.reservedMicros;
    const remainingUsd = Math.max(0, hold.limitMicros - used) / MICROS_PER_USD;
    if (tightest !== undefined && remainingUsd >= tightest.remainingUsd) continue;
    tightest = {
      scope: hold.budget.scope,
      limitUsd: hold.budget.limitUsd,
      remainingUsd,
      resetsAt: resetsAtOf(hold.windowEndsAt),
    };
  }
  return tightest;
}

/**
 * The soft thresholds a hold of `amountMicros` took its budgets across: those whose use was under
 * `softAtPercent` of the limit before the hold and is at or over it after.
 */
export function crossingsOf(
  holds: readonly BudgetCounterHold[],
  states: ReadonlyMap<string, CounterState>,
  amountMicros: number,
): SoftThresholdCrossing[] {
  const crossings: SoftThresholdCrossing[] = [];
  for (const hold of holds) {
    const percent = hold.budget.softAtPercent;
    const state = states.get(hold.counterId);
    if (percent === undefined || state === undefined) continue;
    const used = state.spentMicros + state.reservedMicros;
    const threshold = (hold.limitMicros * percent) / 100;
    if (used - amountMicros >= threshold || used < threshold) continue;
    crossings.push({
      counterId: hold.counterId,
      scope: hold.budget.scope,
      window: hold.budget.window,
      limitUsd: hold.budget.limitUsd,
      softAtPercent: percent,
      usedUsd: used / MICROS_PER_USD,
      resetsAt: resetsAtOf(hold.windowEndsAt),
    });
  }
  return crossings;
}
