import type { BudgetCounterStore, CounterDrift } from '../core/budget-counter-store.js';

/** What `reconcileBudgets` found, and whether it wrote the recomputed counters. */
export interface ReconcileReport {
  drifts: CounterDrift[];
  repaired: boolean;
}

/**
 * Recomputes every budget counter from the ledger (spent) and the live reservations (held) and
 * reports the counters whose stored state differed; with `repair` it writes the recomputed
 * values (what `agent-gateway budgets reconcile --repair` does). Zero drift is the normal state.
 */
export async function reconcileBudgets(
  store: BudgetCounterStore,
  options: { repair?: boolean; signal?: AbortSignal } = {},
): Promise<ReconcileReport> {
  const repair = options.repair === true;
  return { drifts: await store.reconcile({ repair }, options.signal), repaired: repair };
}
