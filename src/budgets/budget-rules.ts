import type { BudgetOverride } from '../core/budget-counter-store.js';
import type { BudgetPayer, BudgetScopeKind, BudgetWindow } from '../core/budget-gate.js';

/** One budget as configured (`server.budgets`): a limit on one kind of scope, per window. */
export interface BudgetRule {
  scope: BudgetScopeKind;
  limitUsd: number;
  window: BudgetWindow;
  /** IANA time zone the window's days start in; `UTC` unless given. */
  timeZone?: string | undefined;
  /** Percent of the limit at which the soft threshold is reached (one notice per window). */
  softAtPercent?: number | undefined;
}

/** A budget as it applies to one payer: its scope id is known. */
export interface AppliedBudget {
  /** `<kind>:<id>`, e.g. `tenant:acme`; the `agent` scope is `agent:all`. */
  scope: string;
  kind: BudgetScopeKind;
  limitUsd: number;
  window: BudgetWindow;
  timeZone: string;
  softAtPercent: number | undefined;
}

/**
 * Code-side overrides (`server.budgetFor`): given the payer's ids, the budgets that replace the
 * configured ones of the same scope kind and window (a tenant's plan decides its limit).
 */
export type BudgetFor = (payer: BudgetPayer) => BudgetRule[] | undefined | Promise<BudgetRule[] | undefined>;

/** The id of the one `agent` scope: the whole gateway. */
export const AGENT_SCOPE_ID = 'all';

/** `<kind>:<id>` of the scope of `kind` a payer is charged to, or undefined when it has none. */
export function scopeOf(kind: BudgetScopeKind, payer: BudgetPayer): string | undefined {
  if (kind === 'agent') return `agent:${AGENT_SCOPE_ID}`;
  const id = kind === 'tenant' ? payer.tenant : kind === 'subject' ? payer.subject : payer.apiKeyId;
  return id === undefined || id === '' ? undefined : `${kind}:${id}`;
}

/** The scopes a payer can be charged to, for reading their runtime overrides. */
export function scopesOf(payer: BudgetPayer): string[] {
  const kinds: BudgetScopeKind[] = ['agent', 'tenant', 'subject', 'apiKey'];
  return kinds.map((kind) => scopeOf(kind, payer)).filter((scope) => scope !== undefined);
}

const kindOfScope = (scope: string): BudgetScopeKind => scope.slice(0, scope.indexOf(':')) as BudgetScopeKind;

/**
 * The budgets that apply to `payer`: the configured ones, replaced or added to by `fromCode`
 * (`budgetFor`) and then by `atRuntime` (the admin route), each keyed by scope and window. So the
 * latest word wins: a runtime override over the plan, the plan over the configuration.
 */
export function budgetsFor(
  payer: BudgetPayer,
  configured: readonly BudgetRule[],
  fromCode: readonly BudgetRule[],
  atRuntime: readonly BudgetOverride[],
): AppliedBudget[] {
  const byKey = new Map<string, AppliedBudget>();
  const put = (scope: string, rule: Omit<BudgetOverride, 'scope'>): void => {
    byKey.set(`${scope}|${rule.window}`, {
      scope,
      kind: kindOfScope(scope),
      limitUsd: rule.limitUsd,
      window: rule.window,
      timeZone: rule.timeZone ?? 'UTC',
      softAtPercent: rule.softAtPercent,
    });
  };
  for (const rule of [...configured, ...fromCode]) {
    const scope = scopeOf(rule.scope, payer);
    if (scope !== undefined) put(scope, rule);
  }
  for (const override of atRuntime) put(override.scope, override);
  return [...byKey.values()];
}
