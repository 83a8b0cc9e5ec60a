import { GatewayError } from '../../core/errors.js';
import type { ModelInfo } from '../../core/provider.js';
import type { OpenAICompat } from './openai-compat.js';
import { maintainedRatesOf } from '../maintained-prices.js';

/** The provider name recorded in `ModelInfo` and on assistant messages. */
export const OPENAI_PROVIDER_NAME = 'openai';

interface ModelSpec {
  contextWindow: number;
  maxOutputTokens: number;
  supportsVision: boolean;
  /** What the model is known not to accept. */
  compat?: Partial<OpenAICompat>;
}

const gpt41 = { contextWindow: 1_047_576, maxOutputTokens: 32_768, supportsVision: true } as const;
const gpt5 = { contextWindow: 400_000, maxOutputTokens: 128_000, supportsVision: true } as const;
const oSeries = { contextWindow: 200_000, maxOutputTokens: 100_000, supportsVision: true } as const;

/** Model facts (prices come from the maintained table). Keys are matched as prefixes of the requested model. */
const knownModels: Readonly<Record<string, ModelSpec>> = {
  'gpt-4o': {
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    supportsVision: true,
  },
  'gpt-4o-mini': {
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    supportsVision: true,
  },
  'gpt-4.1': gpt41,
  'gpt-4.1-mini': gpt41,
  'gpt-4.1-nano': gpt41,
  'gpt-5': gpt5,
  // The chat snapshot is gpt-5 without reasoning; it rejects `reasoning_effort`.
  'gpt-5-chat': {
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    supportsVision: true,
  },
  'gpt-5-mini': gpt5,
  'gpt-5-nano': gpt5,
  o1: oSeries,
  // o1-mini predates `reasoning_effort` and rejects it.
  'o1-mini': {
    contextWindow: 128_000,
    maxOutputTokens: 65_536,
    supportsVision: false,
    compat: { supportsReasoningEffort: false },
  },
  o3: oSeries,
  'o3-mini': { ...oSeries, supportsVision: false },
  'o4-mini': oSeries,
};

// Longest first, so `gpt-4o-mini-2024-07-18` matches `gpt-4o-mini`, not `gpt-4o`.
const prefixesLongestFirst = Object.keys(knownModels).sort((left, right) => right.length - left.length);

/** Defaults for a model an OpenAI-compatible server serves that we have no facts about. */
const unknownModelSpec: ModelSpec = {
  contextWindow: 128_000,
  maxOutputTokens: 16_384,
  supportsVision: true,
};

/** A model resolved against the price table, with the facts request building needs. */
export interface ResolvedOpenAIModel {
  info: ModelInfo;
  /** Whether the model reasons (gets `reasoning_effort` and a `developer` system message). */
  reasoning: boolean;
  /** Whether `reasoning_effort: "minimal"` is accepted (gpt-5 family only). */
  supportsMinimalEffort: boolean;
  /** Compat switches the model itself needs. */
  compat: Partial<OpenAICompat> | undefined;
}

/** The part after the last `/`, so `openai/gpt-4o` (OpenRouter style) resolves like `gpt-4o`. */
const baseName = (model: string): string => model.slice(model.lastIndexOf('/') + 1);

const findPrefix = (model: string): string | undefined => {
  for (const candidate of [model, baseName(model)]) {
    const lowered = candidate.toLowerCase();
    const match = prefixesLongestFirst.find((prefix) => lowered.startsWith(prefix));
    if (match !== undefined) return match;
  }
  return undefined;
};

/**
 * Whether a model belongs to a reasoning family: o1, o3, o4 and gpt-5 (except the non-reasoning
 * `gpt-5-chat` snapshots). Decided on the name so that the same model served through a proxy
 * (`openai/o3-mini`) is treated alike.
 */
export function isOpenAIReasoningModel(model: string): boolean {
  const name = baseName(model).toLowerCase();
  if (/^o[134](?:-|$)/.test(name)) return true;
  return /^gpt-5(?:[.-]|$)/.test(name) && !name.startsWith('gpt-5-chat');
}

/**
 * Resolves a model by longest prefix (also on the part after the last `/`). An unknown model
 * throws `GatewayError('unknown_model')` unless `acceptUnknown` is set — the provider sets it
 * for a custom base URL, where any model the server serves is fine. Prices come from the
 * maintained table (`maintainedRatesOf`); a model it does not know is priced at zero.
 */
export function resolveOpenAIModel(model: string, options: { acceptUnknown: boolean }): ResolvedOpenAIModel {
  const prefix = findPrefix(model);
  const spec = prefix === undefined ? undefined : knownModels[prefix];
  if (spec === undefined && !options.acceptUnknown) {
    throw new GatewayError('unknown_model', `OpenAIProvider does not recognize model: ${model}`);
  }
  const { contextWindow, maxOutputTokens, supportsVision, compat } = spec ?? unknownModelSpec;
  const reasoning = isOpenAIReasoningModel(model);
  return {
    info: {
      id: model,
      provider: OPENAI_PROVIDER_NAME,
      contextWindow,
      maxOutputTokens,
      supportsThinking: reasoning,
      supportsVision,
      supportsToolUse: true,
      // A model the maintained table does not price costs 0 here (a budget refuses it).
      pricing: maintainedRatesOf(OPENAI_PROVIDER_NAME, model) ?? {
        inputPerMTok: 0,
        outputPerMTok: 0,
        cacheReadPerMTok: 0,
        cacheWritePerMTok: 0,
      },
    },
    reasoning,
    supportsMinimalEffort: reasoning && baseName(model).toLowerCase().startsWith('gpt-5'),
    compat,
  };
}
