import type {
  BudgetAdmission,
  BudgetGate,
  BudgetPayer,
  BudgetReservation,
  BudgetScopeKind,
  BudgetStanding,
  BudgetWindow,
  ModelCallCharge,
} from '../../src/core/budget-gate.js';
import type { TurnUsage } from '../../src/core/provider.js';

/** One budget of the double: `id` names the tenant, subject or key (none for `agent`). */
export interface DoubleBudget {
  kind: BudgetScopeKind;
  id?: string;
  limitUsd: number;
  window: BudgetWindow;
}

/** Dollars per million tokens of one model. */
export interface DoublePrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  cacheWritePerMTok?: number;
}

/** What a test reads of the double: holds, spend, calls. */
export interface MemoryBudgetGate extends BudgetGate {
  /** Every `reserve` asked, admitted or not, in order. */
  readonly asked: ModelCallCharge[];
  /** Settled spend of a budget (`tenant:acme`), in micro-dollars. */
  spentMicros(scope: string): number;
  /** Micro-dollars held by reservations neither settled nor released, over every budget. */
  reservedMicros(): number;
  /** Settled calls by call id, with their cost in micro-dollars. */
  readonly settled: Map<string, number>;
  /** Makes every `reserve` throw (a counter store that is down) until set back. */
  failing: boolean;
}

const micros = (usd: number): number => Math.round(usd * 1_000_000);

const scopeOf = (budget: DoubleBudget): string =>
  budget.kind === 'agent' ? 'agent' : `${budget.kind}:${budget.id ?? ''}`;

/** Whether `budget` applies to a call paid by `payer`. */
function applies(budget: DoubleBudget, payer: BudgetPayer): boolean {
  switch (budget.kind) {
    case 'agent':
      return true;
    case 'tenant':
      return payer.tenant !== undefined && payer.tenant === budget.id;
    case 'subject':
      return payer.subject !== undefined && payer.subject === budget.id;
    case 'apiKey':
      return payer.apiKeyId !== undefined && payer.apiKeyId === budget.id;
  }
}

/** The end of a budget's current window (UTC), or null for `total`. */
function windowEnd(window: BudgetWindow, now: Date): Date | null {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  switch (window) {
    case 'total':
      return null;
    case 'day':
      return new Date(day + 86_400_000);
    case 'week':
      return new Date(day + ((8 - now.getUTCDay()) % 7 || 7) * 86_400_000);
    case 'month':
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  }
}

/**
 * A real in-process budget gate for tests of the wiring (not the product's gate): counters per
 * budget in micro-dollars, a reservation holding the worst case on every budget that applies,
 * refused when any would go over (and then nothing is held), settled to the usage's cost or
 * released, each at most once. One JavaScript turn per reserve makes it atomic.
 */
export function createMemoryBudgetGate(options: {
  budgets: DoubleBudget[];
  prices: Record<string, DoublePrice>;
  now?: () => Date;
}): MemoryBudgetGate {
  const now = options.now ?? (() => new Date());
  const spent = new Map<string, number>();
  const held = new Map<string, number>();
  const asked: ModelCallCharge[] = [];
  const settled = new Map<string, number>();
  const costOf = (price: DoublePrice, usage: TurnUsage): number =>
    micros(
      (usage.inputTokens * price.inputPerMTok +
        usage.outputTokens * price.outputPerMTok +
        usage.cacheReadTokens * (price.cacheReadPerMTok ?? price.inputPerMTok) +
        usage.cacheCreationTokens * (price.cacheWritePerMTok ?? price.inputPerMTok)) /
        1_000_000,
    );
  const gate: MemoryBudgetGate = {
    asked,
    settled,
    failing: false,
    spentMicros: (scope) => spent.get(scope) ?? 0,
    reservedMicros: () => [...held.values()].reduce((sum, value) => sum + value, 0),
    reserve(charge: ModelCallCharge): Promise<BudgetAdmission> {
      asked.push(charge);
      if (gate.failing) return Promise.reject(new Error('budget store down'));
      const price = options.prices[charge.model];
      if (price === undefined) {
        return Promise.resolve({
          admitted: false,
          refusal: {
            code: 'model_unpriced',
            status: 400,
            message: `model ${charge.model} has no price: add it to server.prices`,
          },
        });
      }
      const worst = costOf(price, {
        inputTokens: charge.inputTokens,
        outputTokens: charge.maxOutputTokens,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
      });
      const applying = options.budgets.filter((budget) => applies(budget, charge.payer));
      const at = now();
      let tightest: BudgetStanding | undefined;
      for (const budget of applying) {
        const scope = scopeOf(budget);
        const used = (spent.get(scope) ?? 0) + (held.get(scope) ?? 0);
        const end = windowEnd(budget.window, at);
        const resetsAt = end === null ? null : end.toISOString();
        if (used + worst > micros(budget.limitUsd)) {
          return Promise.resolve({
            admitted: false,
            refusal: {
              code: 'budget_exceeded',
              status: budget.window === 'total' ? 402 : 429,
              message: `The ${scope} budget of $${budget.limitUsd} is spent for this window`,
              scope,
              limitUsd: budget.limitUsd,
              spentUsd: used / 1_000_000,
              resetsAt,
              ...(end === null
                ? {}
                : { retryAfterSeconds: Math.ceil((end.getTime() - at.getTime()) / 1000) }),
            },
          });
        }
        const remainingUsd = (micros(budget.limitUsd) - used - worst) / 1_000_000;
        if (tightest === undefined || remainingUsd < tightest.remainingUsd) {
          tightest = { scope, limitUsd: budget.limitUsd, remainingUsd, resetsAt };
        }
      }
      const scopes = applying.map(scopeOf);
      for (const scope of scopes) held.set(scope, (held.get(scope) ?? 0) + worst);
      let open = true;
      const letGo = (): void => {
        for (const scope of scopes) held.set(scope, (held.get(scope) ?? 0) - worst);
      };
      const reservation: BudgetReservation = {
        callId: charge.callId,
        standing: tightest,
        settle(usage) {
          if (!open) return Promise.resolve();
          open = false;
          letGo();
          const cost = costOf(price, usage);
          for (const scope of scopes) spent.set(scope, (spent.get(scope) ?? 0) + cost);
          settled.set(charge.callId, cost);
          return Promise.resolve();
        },
        release() {
          if (!open) return Promise.resolve();
          open = false;
          letGo();
          return Promise.resolve();
        },
      };
      return Promise.resolve({ admitted: true, reservation });
    },
    close: () => Promise.resolve(),
  };
  return gate;
}
