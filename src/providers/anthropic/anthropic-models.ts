import { GatewayError } from '../../core/errors.js';
import type { ModelInfo, ModelPricing } from '../../core/provider.js';
import { maintainedRatesOf } from '../maintained-prices.js';

/**
 * How a model takes the `thinking` request parameter: `adaptive` (the model decides how much to
 * think), `budgeted` (`{type:'enabled', budget_tokens}`), or `none` (no extended thinking).
 */
export type AnthropicThinkingMode = 'adaptive' | 'budgeted' | 'none';

/** Options of `getAnthropicModelInfo`. */
export interface AnthropicModelInfoOptions {
  /**
   * Accept model ids that do not start with `claude`. Set when a custom base URL points at an
   * Anthropic-compatible server, whose model names we cannot know in advance.
   */
  allowAnyModel?: boolean;
}

interface KnownModel {
  /** Alias id; dated snapshots (`<id>-YYYYMMDD`, `<id>@YYYYMMDD`) and `<id>-latest` match it too. */
  id: string;
  maxOutputTokens: number;
}

// Ordered so that a more specific id is tried before a shorter one it extends.
const knownModels: readonly KnownModel[] = [
  { id: 'claude-opus-4-6', maxOutputTokens: 128_000 },
  { id: 'claude-opus-4-5', maxOutputTokens: 64_000 },
  { id: 'claude-opus-4-1', maxOutputTokens: 32_000 },
  { id: 'claude-opus-4', maxOutputTokens: 32_000 },
  { id: 'claude-sonnet-4-6', maxOutputTokens: 64_000 },
  { id: 'claude-sonnet-4-5', maxOutputTokens: 64_000 },
  { id: 'claude-sonnet-4', maxOutputTokens: 64_000 },
  { id: 'claude-haiku-4-5', maxOutputTokens: 64_000 },
  { id: 'claude-3-5-haiku', maxOutputTokens: 8_192 },
];

const defaultContextWindow = 200_000;
const defaultMaxOutputTokens = 16_384;

// A snapshot suffix: `-20250929`, `@20250929` (Vertex style) or `-latest`. Anything else after
// the alias (`claude-opus-4` + `-7`) is a different model and must not inherit its prices.
const snapshotSuffix = /^[-@](?:\d{8}|latest)(?:$|[-:@])/;

const matchesAlias = (model: string, alias: string): boolean =>
  model === alias || (model.startsWith(alias) && snapshotSuffix.test(model.slice(alias.length)));

const findKnownModel = (model: string): KnownModel | undefined =>
  knownModels.find((known) => matchesAlias(model, known.id));

/** Family version of a Claude id, for both `claude-sonnet-4-5` and `claude-3-7-sonnet` naming. */
const parseClaudeVersion = (model: string): { major: number; minor: number } | undefined => {
  const familyFirst = /^claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?=$|[-@])/.exec(model);
  if (familyFirst?.[1] !== undefined) {
    return { major: Number(familyFirst[1]), minor: Number(familyFirst[2] ?? '0') };
  }
  const versionFirst = /^claude-(\d+)(?:-(\d{1,2}))?-[a-z]/.exec(model);
  if (versionFirst?.[1] !== undefined) {
    return { major: Number(versionFirst[1]), minor: Number(versionFirst[2] ?? '0') };
  }
  return undefined;
};

/** `getAnthropicThinkingMode`, worked out from the id. */
function thinkingModeOf(model: string): AnthropicThinkingMode {
  const version = parseClaudeVersion(model);
  if (version === undefined) return 'none';
  if (version.major >= 5 || (version.major === 4 && version.minor >= 6)) return 'adaptive';
  if (version.major === 4) return 'budgeted';
  if (version.major === 3 && version.minor === 7 && model.includes('sonnet')) return 'budgeted';
  return 'none';
}

/** What `getAnthropicModelInfo` and `getAnthropicThinkingMode` match a model id against, by id. */
interface ModelFacts {
  readonly known: KnownModel | undefined;
  readonly thinkingMode: AnthropicThinkingMode;
}

/** How many model ids' facts are remembered: a gateway names a handful; beyond, none are added. */
const MAX_REMEMBERED_MODELS = 256;
// eslint-disable-next-line gateway/churn-collections -- one entry per model id, at most MAX_REMEMBERED_MODELS
const rememberedFacts = new Map<string, ModelFacts>();

/** A model id's facts, matched once per id (every chat asks: the regular expressions are not free). */
function factsOf(model: string): ModelFacts {
  let facts = rememberedFacts.get(model);
  if (facts === undefined) {
    facts = { known: findKnownModel(model), thinkingMode: thinkingModeOf(model) };
    if (rememberedFacts.size < MAX_REMEMBERED_MODELS) rememberedFacts.set(model, facts);
  }
  return facts;
}

/**
 * Which thinking configuration a model takes. Claude 4.6 and later think adaptively (a fixed
 * budget is deprecated there); earlier 4.x models and `claude-3-7-sonnet` take a token budget;
 * older or unrecognised models get none, because an unsupported `thinking` field is a 400.
 */
export function getAnthropicThinkingMode(model: string): AnthropicThinkingMode {
  return factsOf(model).thinkingMode;
}

/**
 * Checks a model id as `getAnthropicModelInfo` does, without building its facts (a request's
 * check before it is sent).
 *
 * @throws GatewayError `unknown_model` when the id does not start with `claude` and
 *   `allowAnyModel` is not set.
 */
export function assertAnthropicModel(model: string, options: AnthropicModelInfoOptions = {}): void {
  if (!model.startsWith('claude') && options.allowAnyModel !== true) {
    throw new GatewayError(
      'unknown_model',
      `Anthropic provider does not recognize model: ${JSON.stringify(model)} ` +
        '(Claude model ids start with "claude"; configure a baseURL to use other models of an ' +
        'Anthropic-compatible server)',
    );
  }
}

/** No price known: the cost shown is 0, and a budget refuses the model (`model_unpriced`). */
const unpriced: ModelPricing = {
  inputPerMTok: 0,
  outputPerMTok: 0,
  cacheReadPerMTok: 0,
  cacheWritePerMTok: 0,
};

/**
 * Model facts and per-MTok prices for an Anthropic model id. Dated snapshots match their alias;
 * prices come from the maintained table (`maintainedRatesOf`), and a model it does not know is
 * priced at 0 rather than guessed.
 *
 * @throws GatewayError `unknown_model` when the id does not start with `claude` and
 *   `allowAnyModel` is not set.
 */
export function getAnthropicModelInfo(model: string, options: AnthropicModelInfoOptions = {}): ModelInfo {
  assertAnthropicModel(model, options);
  const isClaude = model.startsWith('claude');
  const { known, thinkingMode } = factsOf(model);
  return {
    id: model,
    provider: 'anthropic',
    contextWindow: defaultContextWindow,
    maxOutputTokens: known?.maxOutputTokens ?? defaultMaxOutputTokens,
    supportsThinking: isClaude && thinkingMode !== 'none',
    supportsVision: true,
    supportsToolUse: true,
    pricing: maintainedRatesOf('anthropic', model) ?? { ...unpriced },
  };
}
