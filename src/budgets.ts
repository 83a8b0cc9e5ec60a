/**
 * `ai-agent-gateway/budgets`: budgets in dollars outside the server (docs/budgets.md). The
 * contracts of the gate and of the counter store, for a store or a gate of your own; the
 * product's gate, price table and window arithmetic; the ledger's readers (`usageReport`,
 * `reconcileBudgets`); and the body of the `budget.threshold_reached` webhook, for receivers.
 */
export type {
  BudgetAdmission,
  BudgetGate,
  BudgetPayer,
  BudgetRefusal,
  BudgetReservation,
  BudgetScopeKind,
  BudgetStanding,
  BudgetWindow,
  ModelCallCharge,
} from './core/budget-gate.js';
export type {
  BudgetCounterStore,
  BudgetOverride,
  BudgetOverrideChange,
  CounterDrift,
  CounterHold,
  CounterReservation,
  CounterReserveOutcome,
  CounterState,
  LedgerContext,
  LedgerFilter,
  LedgerRow,
  SettledCost,
} from './core/budget-counter-store.js';
export type { AppliedBudget, BudgetFor, BudgetRule } from './budgets/budget-rules.js';
export { createBudgetGate } from './budgets/create-budget-gate.js';
export type { BudgetGateOptions, SoftThresholdCrossing } from './budgets/create-budget-gate.js';
export { windowAt } from './budgets/budget-window.js';
export type { WindowSpan } from './budgets/budget-window.js';
export { createPriceResolver, OVERRIDE_PRICE_VERSION } from './budgets/price-resolver.js';
export type { PriceOverride, PriceOverrides, PricedCost, PriceResolver } from './budgets/price-resolver.js';
export { reconcileBudgets } from './budgets/reconcile-budgets.js';
export type { ReconcileReport } from './budgets/reconcile-budgets.js';
export { usageReport } from './budgets/usage-report.js';
export type { UsageGrouping, UsageQuery, UsageRow } from './budgets/usage-report.js';
export { createMemoryBudgetCounters } from './stores/memory/memory-budget-counters.js';
export { budgetThresholdPayload } from './server/background/budget-threshold-notices.js';
