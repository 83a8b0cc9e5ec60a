import type { BudgetCounterStore } from '../core/budget-counter-store.js';
import type { BudgetPayer, BudgetWindow } from '../core/budget-gate.js';
import { budgetsFor, scopesOf, type BudgetFor, type BudgetRule } from './budget-rules.js';
import { counterHoldOf, MICROS_PER_USD } from './counter-hold-of.js';

/** One budget that applies to a payer, and where its current window stands. */
export interface BudgetStatus {
  /** `<kind>:<id>`, e.g. `tenant:acme`. */
  scope: string;
  window: BudgetWindow;
  timeZone: string;
  limitUsd: number;
  /** Settled spend in the current window. */
  spentUsd: number;
  /** Held by calls under way. */
  reservedUsd: number;
  /** What a call may still hold: the limit less spent and reserved, never below 0. */
  remainingUsd: number;
  /** ISO time the window ends; null for `total`. */
  resetsAt: string | null;
  /** Where the limit comes from: `server.budgets`, `server.budgetFor` or the admin route. */
  source: 'configured' | 'plan' | 'override';
}

/** Options of `readBudgetStatuses`. */
export interface BudgetStatusesOptions {
  payer: BudgetPayer;
  /** `server.budgets`. */
  budgets: readonly BudgetRule[];
  /** `server.budgetFor`. */
  budgetFor?: BudgetFor | undefined;
  counters: BudgetCounterStore;
  now: number;
  signal?: AbortSignal | undefined;
}

/**
 * Every budget that applies to `payer` (the configured ones, its plan's and the runtime
 * overrides, resolved as a model call's reservation resolves them) with its current window's
 * spend, holds and end, read from the counters the gate holds on.
 */
export async function readBudgetStatuses(options: BudgetStatusesOptions): Promise<BudgetStatus[]> {
  const { payer, counters, now } = options;
  const [fromCode, atRuntime] = await Promise.all([
    options.budgetFor?.(payer),
    counters.overrides(scopesOf(payer), options.signal),
  ]);
  const plan = fromCode ?? [];
  const applied = budgetsFor(payer, options.budgets, plan, atRuntime);
  const holds = applied.map((budget) => counterHoldOf(budget, now));
  const states = await counters.read(
    holds.map((hold) => hold.counterId),
    options.signal,
  );
  const keyOf = (scope: string, window: BudgetWindow): string => `${scope}|${window}`;
  const overridden = new Set(atRuntime.map((override) => keyOf(override.scope, override.window)));
  const planned = new Set(plan.map((rule) => `${rule.scope}|${rule.window}`));
  return holds.map(({ counterId, limitMicros, windowEndsAt, budget }) => {
    const state = states.get(counterId) ?? { spentMicros: 0, reservedMicros: 0 };
    const source = overridden.has(keyOf(budget.scope, budget.window))
      ? 'override'
      : planned.has(`${budget.kind}|${budget.window}`)
        ? 'plan'
        : 'configured';
    return {
      scope: budget.scope,
      window: budget.window,
      timeZone: budget.timeZone,
      limitUsd: budget.limitUsd,
      spentUsd: state.spentMicros / MICROS_PER_USD,
      reservedUsd: state.reservedMicros / MICROS_PER_USD,
      remainingUsd: Math.max(0, limitMicros - state.spentMicros - state.reservedMicros) / MICROS_PER_USD,
      resetsAt: windowEndsAt === undefined ? null : new Date(windowEndsAt).toISOString(),
      source,
    };
  });
}
