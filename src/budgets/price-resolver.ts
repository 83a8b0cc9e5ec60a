import type { ModelPricing, TurnUsage } from '../core/provider.js';
import { MAINTAINED_PRICES_VERSION, maintainedCostOf } from '../providers/maintained-prices.js';

/**
 * A model's price set by the operator (`server.prices`), in US dollars per million tokens. Cache
 * reads and writes default to the input price: an operator who names no cache price is charged
 * the most a cached token could cost, never less.
 */
export interface PriceOverride {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
  cacheReadPerMTokUsd?: number | undefined;
  cacheWritePerMTokUsd?: number | undefined;
}

/** What some usage cost, in integer micro-dollars, and which prices said so. */
export interface PricedCost {
  microUsd: number;
  /** `genai-prices@<version>` (the maintained table) or `override` (`server.prices`). */
  priceVersion: string;
}

/**
 * Prices model calls: `server.prices` first, then the maintained table. The budgets' ledger
 * (`costOf`) and a run's `estimated_cost` (the rates `ratesOf` gives its model) both ask it, so an
 * override prices both alike.
 */
export interface PriceResolver {
  /** The cost of `usage` of `model`, or undefined when no price is known for it. */
  costOf(provider: string, model: string, usage: TurnUsage): PricedCost | undefined;
  /**
   * The per-million-token rates `server.prices` sets for `model`, or undefined when it sets none
   * (the provider's model info then carries the maintained table's).
   */
  overrideRatesOf(model: string): ModelPricing | undefined;
}

/** `PriceOverride`s by model name, as the request names the model. */
export type PriceOverrides = Readonly<Record<string, PriceOverride>>;

/** Version recorded on ledger rows priced by `server.prices`. */
export const OVERRIDE_PRICE_VERSION = 'override';

/**
 * A micro-dollar is a millionth of a dollar and a price is per million tokens, so tokens times
 * the price is micro-dollars exactly; only the sum is rounded, once.
 */
const overrideCost = (price: PriceOverride, usage: TurnUsage): number =>
  Math.round(
    usage.inputTokens * price.inputPerMTokUsd +
      usage.outputTokens * price.outputPerMTokUsd +
      usage.cacheReadTokens * (price.cacheReadPerMTokUsd ?? price.inputPerMTokUsd) +
      usage.cacheCreationTokens * (price.cacheWritePerMTokUsd ?? price.inputPerMTokUsd),
  );

/**
 * Creates the resolver that prices every model call the same way, streamed or not: from the
 * call's `TurnUsage` alone (uncached input, output, cache reads and cache writes, each at its own
 * rate), so the same usage always costs the same micro-dollars.
 */
export function createPriceResolver(overrides: PriceOverrides = {}): PriceResolver {
  const overrideOf = (model: string): PriceOverride | undefined =>
    Object.hasOwn(overrides, model) ? overrides[model] : undefined;
  return {
    overrideRatesOf(model) {
      const override = overrideOf(model);
      if (override === undefined) return undefined;
      return {
        inputPerMTok: override.inputPerMTokUsd,
        outputPerMTok: override.outputPerMTokUsd,
        cacheReadPerMTok: override.cacheReadPerMTokUsd ?? override.inputPerMTokUsd,
        cacheWritePerMTok: override.cacheWritePerMTokUsd ?? override.inputPerMTokUsd,
      };
    },
    costOf(provider, model, usage) {
      const override = overrideOf(model);
      if (override !== undefined) {
        return { microUsd: overrideCost(override, usage), priceVersion: OVERRIDE_PRICE_VERSION };
      }
      const usd = maintainedCostOf(provider, model, usage);
      if (usd === undefined) return undefined;
      return { microUsd: Math.round(usd * 1_000_000), priceVersion: MAINTAINED_PRICES_VERSION };
    },
  };
}
