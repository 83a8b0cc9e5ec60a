import type { BudgetCounterStore } from '../core/budget-counter-store.js';
import type { BudgetGate, ModelCallCharge } from '../core/budget-gate.js';
import { GatewayError } from '../core/errors.js';
import type { GatewayStores } from '../core/stores.js';
import { createBudgetGate, type SoftThresholdCrossing } from '../budgets/create-budget-gate.js';
import { createPriceResolver } from '../budgets/price-resolver.js';
import { createMemoryBudgetCounters } from '../stores/memory/memory-budget-counters.js';
import type { AppConfig, Report } from './gateway-parts.js';
import type { BudgetMetrics } from './metrics/budget-metrics.js';

/** Options of `createAppBudgetGate` beyond the app's configuration. */
export interface AppBudgetGateOptions {
  /** Called for each call admitted while the counter store fails (`budgetStore.failOpen`): a metric. */
  onFailOpen?: ((error: unknown, charge: ModelCallCharge) => void) | undefined;
  /** Called when a reserve crosses a budget's `softAtPercent` (the `budget.threshold_reached` webhook). */
  onSoftThreshold?: ((crossing: SoftThresholdCrossing) => void) | undefined;
  /** The budget metrics of the moment: spend, refusals and fail-open admissions are counted there. */
  metrics?: (() => BudgetMetrics | undefined) | undefined;
}

/** The in-process counters of each app without a shared or database store, by its stores. */
const inProcessCounters = new WeakMap<GatewayStores, BudgetCounterStore>();

/**
 * The counter store budgets are kept in: the shared stores' (Redis) when they have one, else the
 * database's (PostgreSQL or embedded; while it is not open the store counts as down), else one
 * of this process.
 */
export function budgetCountersOf(stores: GatewayStores, config: AppConfig): () => BudgetCounterStore {
  return () => {
    if (stores.budgetCounters !== undefined) return stores.budgetCounters;
    if (config.database.configured) {
      const database = config.database.current();
      if (database === undefined) {
        throw new GatewayError(
          'store_unavailable',
          'the database that keeps the budget counters is not open',
        );
      }
      if (database.budgetCounters !== undefined) return database.budgetCounters;
    }
    // One per app's stores: the gate and the usage routes must count in the same one.
    let inProcess = inProcessCounters.get(stores);
    if (inProcess === undefined) {
      inProcess = createMemoryBudgetCounters();
      inProcessCounters.set(stores, inProcess);
    }
    return inProcess;
  };
}

/**
 * The app's budget gate (`server.budgets`, `server.budgetFor`), its outcomes counted in the
 * metrics (each settled call's cost under its tenant and model, each refusal under its scope
 * kind and code), or undefined when no budget is configured: then nothing is reserved and no ledger
 * row is written.
 */
export function createAppBudgetGate(
  config: AppConfig,
  stores: GatewayStores,
  report: Report,
  options: AppBudgetGateOptions = {},
): BudgetGate | undefined {
  if (config.budgets.length === 0 && config.budgetFor === undefined) return undefined;
  const { onFailOpen, metrics = () => undefined } = options;
  const prices = createPriceResolver(config.prices);
  const gate = createBudgetGate({
    budgets: config.budgets,
    prices,
    counters: budgetCountersOf(stores, config),
    budgetFor: config.budgetFor,
    failOpen: config.budgetStore.failOpen,
    leaseMs: config.budgetStore.leaseMs,
    timeoutMs: config.budgetStore.timeoutMs,
    sweepIntervalMs: config.budgetStore.sweepIntervalMs,
    onFailOpen: (error, charge) => {
      report(error, `budget counters (call ${charge.callId} admitted: budgetStore.failOpen)`);
      metrics()?.recordFailOpen();
      onFailOpen?.(error, charge);
    },
    onSoftThreshold: options.onSoftThreshold,
    onError: report,
    onSettled: (charge, costMicros) => {
      metrics()?.recordSpend(charge.payer.tenant, charge.model, costMicros / 1_000_000);
    },
    onRefused: (refusal) => {
      metrics()?.recordRefusal(refusal.scope, refusal.code);
    },
  });
  return gate;
}
