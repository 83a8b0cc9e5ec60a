import type { CounterHold, CounterState } from '../core/budget-counter-store.js';
import type { BudgetRefusal } from '../core/budget-gate.js';
import type { AppliedBudget } from './budget-rules.js';

/** Seconds a client waits before asking again when the counter store is down. */
export const STORE_DOWN_RETRY_AFTER_SECONDS = 5;

/**
 * The refusal of a call that would take `hold`'s budget past its limit: 429 for a window (until
 * it ends), 402 for a `total` budget, which never starts again.
 */
export function refusalOverLimit(
  hold: CounterHold & { budget: AppliedBudget },
  state: CounterState,
  now: number,
): BudgetRefusal {
  const { budget } = hold;
  const spentUsd = state.spentMicros / 1_000_000;
  const ends = hold.windowEndsAt;
  return {
    code: 'budget_exceeded',
    status: ends === undefined ? 402 : 429,
    message:
      ends === undefined
        ? `The ${budget.scope} budget of $${budget.limitUsd} in total is spent.`
        : `The ${budget.scope} budget of $${budget.limitUsd} per ${budget.window} is spent until ${new Date(ends).toISOString()}.`,
    scope: budget.scope,
    limitUsd: budget.limitUsd,
    spentUsd,
    resetsAt: ends === undefined ? null : new Date(ends).toISOString(),
    ...(ends === undefined ? {} : { retryAfterSeconds: Math.max(1, Math.ceil((ends - now) / 1000)) }),
  };
}

/** The refusal of every call while the counter store does not answer (budgets fail closed). */
export function refusalStoreDown(): BudgetRefusal {
  return {
    code: 'budget_store_unavailable',
    status: 503,
    message: 'The budget counters cannot be reached; model calls under a budget wait until they can.',
    retryAfterSeconds: STORE_DOWN_RETRY_AFTER_SECONDS,
  };
}

/** The refusal of a model with no known price while a budget applies: never counted as $0. */
export function refusalUnpriced(model: string): BudgetRefusal {
  return {
    code: 'model_unpriced',
    status: 400,
    message:
      `No price is known for model ${JSON.stringify(model)}, and a budget applies: set its price in ` +
      `server.prices (e.g. { ${JSON.stringify(model)}: { inputPerMTokUsd, outputPerMTokUsd } }).`,
  };
}
