import type { BudgetGate, BudgetReservation, ModelCallCharge } from '../core/budget-gate.js';
import type { PriceResolver } from '../budgets/price-resolver.js';
import type { BudgetMetrics } from './metrics/budget-metrics.js';

/** What `observeBudgetGate` reports to. */
export interface BudgetGateObserver {
  /** Prices a settled call's usage (the gate's own table and overrides). */
  prices: PriceResolver;
  /** The budget metrics of the moment (undefined until the metrics are loaded, or without them). */
  metrics: () => BudgetMetrics | undefined;
}

/** `reservation`, whose first settle also counts the call's cost under its tenant and model. */
const observedReservation = (
  reservation: BudgetReservation,
  charge: ModelCallCharge,
  observer: BudgetGateObserver,
): BudgetReservation => {
  let counted = false;
  return {
    callId: reservation.callId,
    standing: reservation.standing,
    async settle(usage, signal) {
      await reservation.settle(usage, signal);
      // Settling is idempotent by call id; so is what the metric counts.
      if (counted) return;
      counted = true;
      const cost = observer.prices.costOf(charge.provider, charge.model, usage);
      if (cost !== undefined)
        observer.metrics()?.recordSpend(charge.payer.tenant, charge.model, cost.microUsd / 1e6);
    },
    release: (signal) => reservation.release(signal),
  };
};

/**
 * The gate with its outcomes counted: each refusal under its scope kind and code
 * (`agent_gateway_budget_refusals_total`), and each settled call's cost under its payer's tenant
 * and its model (`agent_gateway_budget_spend_usd_total`). Admission itself is the gate's.
 */
export function observeBudgetGate(gate: BudgetGate, observer: BudgetGateObserver): BudgetGate {
  return {
    async reserve(charge, signal) {
      const admission = await gate.reserve(charge, signal);
      if (!admission.admitted) {
        observer.metrics()?.recordRefusal(admission.refusal.scope, admission.refusal.code);
        return admission;
      }
      return { admitted: true, reservation: observedReservation(admission.reservation, charge, observer) };
    },
    close: () => gate.close(),
  };
}
