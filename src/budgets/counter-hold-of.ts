import type { CounterHold } from '../core/budget-counter-store.js';
import type { AppliedBudget } from './budget-rules.js';
import { windowAt } from './budget-window.js';

/** Micro-dollars in a dollar: every amount of the counters is kept in them. */
export const MICROS_PER_USD = 1_000_000;

/** A counter of a budget at one instant, with the budget it counts for. */
export type BudgetCounterHold = CounterHold & { budget: AppliedBudget };

/**
 * The counter of `budget` in the window of `now`, with its limit: its id is the scope and the
 * window's key (`tenant:acme|month|Europe/Berlin|2026-10-31T23:00:00.000Z`), so the gate that
 * holds on it and the usage route that reads it name the same counter.
 */
export function counterHoldOf(budget: AppliedBudget, now: number): BudgetCounterHold {
  const span = windowAt(budget.window, budget.timeZone, now);
  return {
    counterId: `${budget.scope}|${span.key}`,
    limitMicros: Math.round(budget.limitUsd * MICROS_PER_USD),
    windowEndsAt: span.end,
    budget,
  };
}
