import { calcPrice } from '@pydantic/genai-prices';
import type { ModelPricing, TurnUsage } from '../core/provider.js';

/**
 * The price table in use: the `@pydantic/genai-prices` package's bundled data, maintained upstream
 * (cache reads and writes priced per model, long-context tiers included). Its data ships inside
 * the package and is never fetched at run time, so the version of the package is the version of
 * the prices; a test holds this constant to the installed package.
 */
export const MAINTAINED_PRICES_VERSION = 'genai-prices@0.1.8';

/** `genai-prices`' usage keys from ours: its `input_tokens` counts cached input too. */
const usageOf = (usage: TurnUsage): Record<string, number> => ({
  input_tokens: usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens,
  cache_read_tokens: usage.cacheReadTokens,
  cache_write_tokens: usage.cacheCreationTokens,
  output_tokens: usage.outputTokens,
});

/** The part after the last `/`, so `openai/gpt-4o` (a router's naming) is priced like `gpt-4o`. */
const baseName = (model: string): string => model.slice(model.lastIndexOf('/') + 1);

/** The model id the table knows a model by, trying it whole and then its base name. */
const priceOf = (provider: string, model: string, usage: TurnUsage) => {
  for (const candidate of model.includes('/') ? [model, baseName(model)] : [model]) {
    const price = calcPrice(usageOf(usage), candidate, { providerId: provider });
    if (price !== null) return price;
  }
  return undefined;
};

/**
 * What `usage` of `model` (served by `provider`: `anthropic`, `openai`...) costs in US dollars
 * by the maintained table, or undefined when the table has no price for the model. Tiers apply
 * to the whole call as the provider bills them (a long-context call is priced at the higher rate).
 */
export function maintainedCostOf(provider: string, model: string, usage: TurnUsage): number | undefined {
  return priceOf(provider, model, usage)?.total_price;
}

const rateOf = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null) {
    const base: unknown = Reflect.get(value, 'base');
    if (typeof base === 'number') return base;
  }
  return undefined;
};

const noUsage: TurnUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

/** How many models' rates are remembered: a gateway names a handful; beyond, none are added. */
const MAX_REMEMBERED_MODELS = 256;
// eslint-disable-next-line gateway/churn-collections -- one entry per model id, at most MAX_REMEMBERED_MODELS
const rememberedRates = new Map<string, ModelPricing | null>();

/**
 * A model's base per-million-token rates in the maintained table (the first tier of a tiered
 * price), or undefined when it has none. A missing cache rate is 0: the provider bills none.
 */
export function maintainedRatesOf(provider: string, model: string): ModelPricing | undefined {
  const key = `${provider}\n${model}`;
  let rates = rememberedRates.get(key);
  if (rates === undefined) {
    const prices = priceOf(provider, model, noUsage)?.model_price;
    rates =
      prices === undefined
        ? null
        : {
            inputPerMTok: rateOf(prices.input_mtok) ?? 0,
            outputPerMTok: rateOf(prices.output_mtok) ?? 0,
            cacheReadPerMTok: rateOf(prices.cache_read_mtok) ?? 0,
            cacheWritePerMTok: rateOf(prices.cache_write_mtok) ?? 0,
          };
    if (rememberedRates.size < MAX_REMEMBERED_MODELS) rememberedRates.set(key, rates);
  }
  return rates === null ? undefined : { ...rates };
}
