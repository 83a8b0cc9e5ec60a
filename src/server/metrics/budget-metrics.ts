import type { PromClient } from './load-prom-client.js';
import { createLabelCap, type LabelCap } from './metric-labels.js';
import type { Registers } from './run-metrics.js';

/** Distinct tenants named in `tenant` labels; later ones are `other`. */
export const MAX_TENANT_LABELS = 100;
/** Distinct models named in `model` labels; later ones are `other`. */
export const MAX_MODEL_LABELS = 50;

/** The scope kinds a refusal is counted under; `none` when no budget refused (store down, no price). */
export type BudgetRefusalScopeLabel = 'tenant' | 'subject' | 'apiKey' | 'agent' | 'none';

/** What the budget gate tells the metrics. */
export interface BudgetMetrics {
  /** A settled model call's cost, under its payer's tenant (`none` without one) and its model. */
  recordSpend(tenant: string | undefined, model: string, usd: number): void;
  /** A model call refused: the refusing budget's kind and the refusal's code. */
  recordRefusal(scope: string | undefined, code: string): void;
  /** A model call admitted though the counter store failed (`budgetStore.failOpen`). */
  recordFailOpen(): void;
}

const SCOPE_KINDS: ReadonlySet<string> = new Set(['tenant', 'subject', 'apiKey', 'agent']);

const isScopeKind = (kind: string): kind is Exclude<BudgetRefusalScopeLabel, 'none'> => SCOPE_KINDS.has(kind);

/**
 * The kind of a refusing scope as a label: `tenant:acme` is `tenant`, never the id (one series
 * per kind, however many tenants are refused).
 */
export function refusalScopeLabel(scope: string | undefined): BudgetRefusalScopeLabel {
  if (scope === undefined) return 'none';
  const kind = scope.slice(0, scope.indexOf(':'));
  return isScopeKind(kind) ? kind : 'none';
}

/**
 * Registers the budget metrics: spend in dollars by tenant and model (each label capped, so a
 * gateway with many tenants keeps a bounded number of series), refusals by scope kind and code,
 * and the calls admitted while the counter store failed.
 */
export function registerBudgetMetrics(prom: PromClient, registers: Registers): BudgetMetrics {
  const spend = new prom.Counter({
    name: 'agent_gateway_budget_spend_usd_total',
    help: 'Settled cost of model calls under budgets, in US dollars, by tenant and model',
    labelNames: ['tenant', 'model'],
    registers,
  });
  const refusals = new prom.Counter({
    name: 'agent_gateway_budget_refusals_total',
    help: 'Model calls refused by budgets, by the refusing scope kind and code',
    labelNames: ['scope', 'code'],
    registers,
  });
  const failOpen = new prom.Counter({
    name: 'agent_gateway_budget_store_failures_total',
    help: 'Model calls admitted unbudgeted because the budget counter store failed (budgetStore.failOpen)',
    registers,
  });
  const tenants: LabelCap = createLabelCap(MAX_TENANT_LABELS);
  const models: LabelCap = createLabelCap(MAX_MODEL_LABELS);
  return {
    recordSpend(tenant, model, usd) {
      if (!(usd > 0)) return;
      spend.inc(
        { tenant: tenant === undefined ? 'none' : tenants.labelOf(tenant), model: models.labelOf(model) },
        usd,
      );
    },
    recordRefusal(scope, code) {
      refusals.inc({ scope: refusalScopeLabel(scope), code });
    },
    recordFailOpen() {
      failOpen.inc();
    },
  };
}
