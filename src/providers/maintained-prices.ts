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
    if (price !== null) return { price, candidate };
  }
  return undefined;
};

/**
 * The price keys a per-token rule computes: per million tokens, by direction and cache. Other
 * keys of a model's prices (audio tokens, web searches, one-hour cache writes) are of usage a
 * gateway never reports, so they add nothing; but `requests_kcount` is charged on every call.
 */
type FlatKey = 'input_mtok' | 'output_mtok' | 'cache_read_mtok' | 'cache_write_mtok';
const FLAT_KEYS: ReadonlySet<string> = new Set<FlatKey>([
  'input_mtok',
  'output_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
]);
const PER_CALL_KEY = 'requests_kcount';

/** A price per million tokens that rises with the call's whole input (a long-context tier). */
interface TieredPrice {
  base: number;
  tiers: ReadonlyArray<{ start: number; price: number }>;
}
type TokenPrice = number | TieredPrice;

const isPrice = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

const tokenPriceOf = (value: unknown): TokenPrice | undefined => {
  if (isPrice(value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const base: unknown = Reflect.get(value, 'base');
  const tiers: unknown = Reflect.get(value, 'tiers');
  if (!isPrice(base) || !Array.isArray(tiers)) return undefined;
  const read: Array<{ start: number; price: number }> = [];
  for (const tier of tiers as unknown[]) {
    if (typeof tier !== 'object' || tier === null) return undefined;
    const start: unknown = Reflect.get(tier, 'start');
    const price: unknown = Reflect.get(tier, 'price');
    if (!isPrice(start) || !isPrice(price)) return undefined;
    read.push({ start, price });
  }
  return { base, tiers: read };
};

/**
 * How the table prices one model: by per-token rates (most models: a price each for input,
 * output, cache reads and writes, some rising with the call's whole input), computed here in the
 * table's own order of operations; through the table's calculation (`calcPrice`: prices by time
 * of day, other units); or not at all.
 */
type PriceRule =
  | {
      kind: 'flat';
      prices: ReadonlyArray<readonly [FlatKey, TokenPrice]>;
      /** Whether any price of the model is tiered (then tiers read the call's whole input). */
      tiered: boolean;
      /** When the table's next price of this model starts (ms since the epoch; Infinity: none). */
      until: number;
    }
  | { kind: 'table'; candidate: string }
  | { kind: 'unpriced' };

/** The model's per-token prices, or undefined when any of its prices is of another kind. */
const flatPricesOf = (
  modelPrice: Record<string, unknown>,
): { prices: Array<readonly [FlatKey, TokenPrice]>; tiered: boolean } | undefined => {
  const prices: Array<readonly [FlatKey, TokenPrice]> = [];
  let tiered = false;
  for (const [key, value] of Object.entries(modelPrice)) {
    if (value === undefined) continue;
    const price = tokenPriceOf(value);
    if (price === undefined || key === PER_CALL_KEY) return undefined;
    tiered ||= typeof price !== 'number';
    if (FLAT_KEYS.has(key)) prices.push([key as FlatKey, price]);
  }
  return { prices, tiered };
};

/**
 * When the prices the table gave at `now` stop applying: the next start date of the model's
 * dated prices (the table compares the moment with `new Date(start_date)`), Infinity when none
 * is ahead; undefined for prices by time of day, which the table must decide at each call.
 */
const pricesUntil = (prices: unknown, now: number): number | undefined => {
  if (!Array.isArray(prices)) return Number.POSITIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  for (const conditional of prices as unknown[]) {
    const constraint: unknown =
      typeof conditional === 'object' && conditional !== null
        ? Reflect.get(conditional, 'constraint')
        : undefined;
    if (constraint === undefined) continue;
    if (typeof constraint !== 'object' || constraint === null) return undefined;
    const startDate: unknown = Reflect.get(constraint, 'start_date');
    if (Reflect.get(constraint, 'type') !== 'start_date' || typeof startDate !== 'string') return undefined;
    const starts = new Date(startDate).getTime();
    if (Number.isNaN(starts)) return undefined;
    if (starts > now) until = Math.min(until, starts);
  }
  return until;
};

const ruleOfPrice = (found: ReturnType<typeof priceOf>, now: number): PriceRule => {
  if (found === undefined) return { kind: 'unpriced' };
  const until = pricesUntil(found.price.model.prices, now);
  const flat = until === undefined ? undefined : flatPricesOf(found.price.model_price);
  return until === undefined || flat === undefined
    ? { kind: 'table', candidate: found.candidate }
    : { kind: 'flat', ...flat, until };
};

/** How many models' rules are remembered: a gateway names a handful; beyond, each call asks the table. */
const MAX_REMEMBERED_RULES = 256;
// eslint-disable-next-line gateway/churn-collections -- one entry per model id, at most MAX_REMEMBERED_RULES
const rememberedRules = new Map<string, PriceRule>();
/**
 * The rule the last call used: a gateway prices the same model call after call, and finding it
 * here spares joining the key and hashing it (0.28 against 0.15 µs a call, measured in a loop).
 */
let lastRule: { provider: string; model: string; rule: PriceRule } | undefined;

/**
 * One price's part of a call, as the table computes it (its operations in its order, so the
 * figure is the same to the last bit): a tiered price at the rate of the last tier the call's
 * whole input passed.
 */
const partOf = (price: TokenPrice, tokens: number, wholeInput: number): number => {
  if (typeof price === 'number') return (price * tokens) / 1e6;
  if (tokens <= 0) return 0;
  let rate = price.base;
  for (const tier of price.tiers) if (wholeInput > tier.start) rate = tier.price;
  return (((rate * tokens) / 1e6) * 1e6) / 1e6;
};

/**
 * The table's price of `usage` under `prices`, as `calcPrice` computes it: each priced cache
 * kind taken out of the input it is part of, each price times its tokens over a million, summed
 * by direction in the table's key order, input then output.
 */
const flatCostOf = (rule: Extract<PriceRule, { kind: 'flat' }>, usage: TurnUsage): number => {
  const { prices } = rule;
  let cached = 0;
  for (const [key] of prices) {
    if (key === 'cache_read_mtok') cached += usage.cacheReadTokens;
    else if (key === 'cache_write_mtok') cached += usage.cacheCreationTokens;
  }
  const wholeInput = usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;
  const uncachedInput = wholeInput - cached;
  // The table reads the whole input for tiers only when a price is tiered; 0 otherwise.
  const tierInput = rule.tiered ? wholeInput : 0;
  let input = 0;
  let output = 0;
  for (const [key, price] of prices) {
    if (key === 'output_mtok') output += partOf(price, usage.outputTokens, tierInput);
    else if (key === 'input_mtok') input += partOf(price, uncachedInput, tierInput);
    else if (key === 'cache_read_mtok') input += partOf(price, usage.cacheReadTokens, tierInput);
    else input += partOf(price, usage.cacheCreationTokens, tierInput);
  }
  return input + output;
};

/**
 * What `usage` of `model` (served by `provider`: `anthropic`, `openai`...) costs in US dollars
 * by the maintained table, or undefined when the table has no price for the model. Tiers apply
 * to the whole call as the provider bills them (a long-context call is priced at the higher rate).
 * The table's lookup costs tens of microseconds a call, so how a model is priced is found once:
 * a model priced per token (tiers included) is priced here (to the same figure: a test holds
 * every model of the table to `calcPrice`), any other through the table each time.
 */
export function maintainedCostOf(provider: string, model: string, usage: TurnUsage): number | undefined {
  const now = Date.now();
  const last = lastRule;
  let rule: PriceRule | undefined;
  if (
    last?.provider === provider &&
    last.model === model &&
    !(last.rule.kind === 'flat' && now >= last.rule.until)
  ) {
    rule = last.rule;
  } else {
    const key = `${provider}\n${model}`;
    rule = rememberedRules.get(key);
    if (rule === undefined || (rule.kind === 'flat' && now >= rule.until)) {
      rule = ruleOfPrice(priceOf(provider, model, usage), now);
      if (rememberedRules.size < MAX_REMEMBERED_RULES || rememberedRules.has(key))
        rememberedRules.set(key, rule);
    }
    lastRule = { provider, model, rule };
  }
  if (rule.kind === 'unpriced') return undefined;
  if (rule.kind === 'flat') return flatCostOf(rule, usage);
  return calcPrice(usageOf(usage), rule.candidate, { providerId: provider })?.total_price;
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
    const prices = priceOf(provider, model, noUsage)?.price.model_price;
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
