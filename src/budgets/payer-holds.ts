import type { BudgetOverride } from '../core/budget-counter-store.js';
import type { BudgetPayer } from '../core/budget-gate.js';
import { budgetsFor, scopesOf, type BudgetRule } from './budget-rules.js';
import { windowAt } from './budget-window.js';
import { counterHoldOf, type BudgetCounterHold } from './counter-hold-of.js';

/** What the gate works out from a payer's ids alone: the same for every call the payer makes. */
export interface PayerFacts {
  /** The scopes the payer can be charged to (`scopesOf`), to read their runtime overrides. */
  readonly scopes: readonly string[];
  /** A frozen copy of the payer for the ledger (a store keeps it for a reservation's life). */
  readonly payer: Readonly<BudgetPayer>;
}

interface PayerEntry extends PayerFacts {
  /** The holds of the configured budgets alone, and the instants between which they stand. */
  holds: readonly BudgetCounterHold[] | undefined;
  from: number;
  until: number;
}

/** What `createPayerHolds` returns: a payer's facts, and its holds when only the configuration applies. */
export interface PayerHolds {
  factsOf(payer: BudgetPayer): PayerFacts;
  /**
   * The holds of the configured budgets on `facts`' payer at `time` (what `budgetsFor` and
   * `counterHoldOf` make when neither a plan nor a runtime override adds a budget): frozen, and
   * the same array for every call until one of their windows ends.
   */
  configuredHolds(facts: PayerFacts, time: number): readonly BudgetCounterHold[];
  /**
   * The holds of every budget that applies to `facts`' payer at `time`: the configured ones
   * replaced or added to by `fromCode` and `atRuntime` (`budgetsFor`); most calls have neither,
   * and get `configuredHolds`.
   */
  holdsOf(
    facts: PayerFacts,
    fromCode: readonly BudgetRule[],
    atRuntime: readonly BudgetOverride[],
    time: number,
  ): readonly BudgetCounterHold[];
}

/** The key of a payer's ids; an absent id is not an empty one. */
const keyOf = (payer: BudgetPayer): string =>
  `${payer.tenant ?? '\u0001'}\u0000${payer.subject ?? '\u0001'}\u0000${payer.apiKeyId ?? '\u0001'}`;

/** A copy of `payer` with only the fields it has, frozen. */
const frozenCopyOf = (payer: BudgetPayer): Readonly<BudgetPayer> => {
  const copy: BudgetPayer = {};
  if (payer.tenant !== undefined) copy.tenant = payer.tenant;
  if (payer.subject !== undefined) copy.subject = payer.subject;
  if (payer.apiKeyId !== undefined) copy.apiKeyId = payer.apiKeyId;
  return Object.freeze(copy);
};

/**
 * The gate's memory of the payers it saw lately (at most `capacity`; past it, it starts again):
 * a payer's scopes, ledger copy and configured holds are worked out once, not at every call.
 * Holds carry their window's end and start again when it passes (or when the clock goes back
 * before their window's start), so a new window gets new counters as `counterHoldOf` would.
 */
export function createPayerHolds(configured: readonly BudgetRule[], capacity = 4_096): PayerHolds {
  const entries = new Map<string, PayerEntry>();
  const configuredHolds = (facts: PayerFacts, time: number): readonly BudgetCounterHold[] => {
    const entry = facts as PayerEntry;
    if (entry.holds !== undefined && entry.from <= time && time < entry.until) return entry.holds;
    const applied = budgetsFor(entry.payer, configured, [], []);
    let from = Number.NEGATIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    for (const budget of applied) {
      const span = windowAt(budget.window, budget.timeZone, time);
      if (span.start !== undefined) from = Math.max(from, span.start);
      if (span.end !== undefined) until = Math.min(until, span.end);
    }
    entry.holds = Object.freeze(applied.map((budget) => Object.freeze(counterHoldOf(budget, time))));
    entry.from = from;
    entry.until = until;
    return entry.holds;
  };
  return {
    factsOf(payer) {
      const key = keyOf(payer);
      let entry = entries.get(key);
      if (entry === undefined) {
        if (entries.size >= capacity) entries.clear();
        entry = {
          scopes: Object.freeze(scopesOf(payer)),
          payer: frozenCopyOf(payer),
          holds: undefined,
          from: 0,
          until: 0,
        };
        entries.set(key, entry);
      }
      return entry;
    },
    configuredHolds,
    holdsOf(facts, fromCode, atRuntime, time) {
      if (fromCode.length === 0 && atRuntime.length === 0) return configuredHolds(facts, time);
      return budgetsFor(facts.payer, configured, fromCode, atRuntime).map((budget) =>
        counterHoldOf(budget, time),
      );
    },
  };
}
