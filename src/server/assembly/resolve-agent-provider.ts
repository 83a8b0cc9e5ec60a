import type { Provider } from '../../core/provider.js';
import { resolveProvider } from '../../providers/resolve-provider.js';
import { allowedModelsOf } from '../contracts/allowed-models-of.js';
import type { ParsedAgentOptions } from '../contracts/create-agent-options.js';

/** The provider, model and allow-list `createAgent` works with. */
export interface ResolvedAgentProvider {
  provider: Provider;
  model: string;
  /** Models a request may choose; empty means any. */
  allowedModels: Set<string>;
  /** The provider named in the options (undefined for a `Provider` instance). */
  namedProvider: 'anthropic' | 'openai' | undefined;
}

/**
 * Why `model` looks like another provider's model (`gpt-4o` on Anthropic), or undefined. Only a
 * warning: OpenAI-compatible servers serve any name, and new model families appear.
 */
export function describeModelMismatch(
  namedProvider: 'anthropic' | 'openai' | undefined,
  model: string,
): string | undefined {
  const looksAnthropic = /^claude/i.test(model);
  const looksOpenAi = /^(gpt-|o\d|chatgpt)/i.test(model);
  if (namedProvider === 'anthropic' && !looksAnthropic) {
    return `model ${model} does not look like an Anthropic model (provider 'anthropic'): calls may fail and its cost is counted as 0`;
  }
  if (namedProvider === 'openai' && looksAnthropic && !looksOpenAi) {
    return `model ${model} looks like an Anthropic model but the provider is 'openai': set provider: 'anthropic'`;
  }
  return undefined;
}

/**
 * Resolves `createAgent`'s provider options (see `resolveProvider`) and its model allow-list
 * (`allowedModelsOf`: the configured model only, on every provider, unless `allowedModels` is
 * given).
 */
export function resolveAgentProvider(
  options: Pick<ParsedAgentOptions, 'provider' | 'model' | 'apiKey' | 'authToken' | 'providerConfig'>,
  allowedModels?: readonly string[],
): ResolvedAgentProvider {
  const { provider, model, namedProvider } = resolveProvider({ ...options, caller: 'createAgent' });
  return { provider, model, allowedModels: allowedModelsOf(allowedModels, model), namedProvider };
}
