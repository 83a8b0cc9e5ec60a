import { z } from 'zod';
import { callable, positiveNumber } from '../../agent-spec/parse-spec.js';
import type { BudgetFor } from '../../budgets/budget-rules.js';
import { isKnownTimeZone } from '../../budgets/budget-window.js';

/** One budget: a limit in US dollars on one kind of scope, per window (docs/budgets.md). */
export const budgetRuleSchema = z.strictObject({
  /** `tenant`, `subject` (a principal), `apiKey`, or `agent` (the whole gateway). */
  scope: z.enum(['tenant', 'subject', 'apiKey', 'agent'], {
    error: 'must be one of "tenant", "subject", "apiKey", "agent"',
  }),
  /** The most the scope may spend in one window, in US dollars. */
  limitUsd: z.number({ error: 'must be a number of US dollars' }).min(0, 'must not be negative'),
  /** `day`, `week` (from Monday), `month`, or `total` (never starts again). */
  window: z.enum(['day', 'week', 'month', 'total'], {
    error: 'must be one of "day", "week", "month", "total"',
  }),
  /** IANA time zone the window's days start in (`UTC` unless given), e.g. `Europe/Berlin`. */
  timeZone: z
    .string()
    .refine(isKnownTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin" or "UTC"' })
    .optional(),
  /** Percent of the limit at which one `budget.threshold_reached` webhook is sent per window. */
  softAtPercent: z.number().gt(0, 'must be above 0').lt(100, 'must be below 100').optional(),
});

/** One model's price set by the operator, in US dollars per million tokens. */
const priceOverrideSchema = z.strictObject({
  inputPerMTokUsd: z.number().min(0),
  outputPerMTokUsd: z.number().min(0),
  /** Cached input read; the input price unless given. */
  cacheReadPerMTokUsd: z.number().min(0).optional(),
  /** Cached input written; the input price unless given. */
  cacheWritePerMTokUsd: z.number().min(0).optional(),
});

/** How the gateway keeps budget counters (`server.budgetStore`). */
const budgetStoreSchema = z.strictObject({
  /**
   * Admit model calls when the counter store cannot be reached, with an error log and a metric
   * for each (default false: refuse them with 503 `budget_store_unavailable`).
   */
  failOpen: z.boolean().default(false),
  /**
   * How long a reservation holds before any instance settles it to its worst case, in ms (15
   * minutes): longer than the longest model call, or a call still streaming is charged its worst
   * case and its real cost is not recorded.
   */
  leaseMs: positiveNumber().default(900_000),
  /** How long a reserve waits for the counter store before it counts as down, in ms (2 s). */
  timeoutMs: positiveNumber().default(2_000),
  /** How often each instance looks for expired reservations, in ms (one minute). */
  sweepIntervalMs: positiveNumber().default(60_000),
});

/**
 * The budget options of `server` (spread into its schema): budgets in dollars per tenant,
 * principal, API key or gateway, prices, and how the counters are kept. docs/budgets.md.
 */
export const budgetOptionsShape = {
  /** Budgets every model call must clear (none by default). */
  budgets: z.array(budgetRuleSchema, { error: 'must be an array of budgets' }).default(() => []),
  /**
   * Prices of models by name, before the maintained table (`@pydantic/genai-prices`):
   * `{ [model]: { inputPerMTokUsd, outputPerMTokUsd, cacheReadPerMTokUsd?, cacheWritePerMTokUsd? } }`.
   * Under a budget a model with no price is refused (`model_unpriced`).
   */
  prices: z.record(z.string().min(1), priceOverrideSchema).default(() => ({})),
  /**
   * `(payer) => budgets | undefined`: budgets from a payer's plan, which replace the configured
   * ones of the same scope and window (a runtime override from `PUT /budgets` replaces both).
   */
  budgetFor: callable<BudgetFor>().optional(),
  /** `{ failOpen: false, leaseMs: 900 000, timeoutMs: 2 000, sweepIntervalMs: 60 000 }`. */
  budgetStore: budgetStoreSchema.prefault({}),
};
