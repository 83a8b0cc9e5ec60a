import { GatewayError } from '../core/errors.js';
import type { Provider } from '../core/provider.js';
import { createAnthropicProvider } from './anthropic/anthropic-provider.js';
import {
  anthropicProviderOptionsSchema,
  type AnthropicProviderOptions,
} from './anthropic/anthropic-provider-options.js';
import { createOpenAIProvider } from './openai/openai-provider.js';
import { openAIProviderOptionsSchema, type OpenAIProviderOptions } from './openai/openai-provider-options.js';

/** Default models of the named providers. */
export const DEFAULT_MODELS = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-4o' } as const;

/** Settings passed to a provider factory, merged last (e.g. `baseURL`, `compat`). */
export type ProviderConfig = Omit<AnthropicProviderOptions, 'apiKey' | 'authToken'> &
  Omit<OpenAIProviderOptions, 'apiKey'>;

/** How callers name a provider: `"anthropic"`, `"openai"` (any case) or an instance. */
export type ProviderChoice = 'anthropic' | 'openai' | (string & {}) | Provider;

/** Options of `resolveProvider`. */
export interface ResolveProviderOptions {
  provider?: ProviderChoice | undefined;
  model?: string | undefined;
  apiKey?: string | undefined;
  authToken?: string | undefined;
  providerConfig?: ProviderConfig | undefined;
  /** Prefix of error messages (the public function being configured). */
  caller?: string;
}

/** A provider instance with the model to use and whether it was named (not passed in). */
export interface ResolvedProvider {
  provider: Provider;
  model: string;
  /** The lower-case name when a string picked the provider; undefined for instances. */
  namedProvider: 'anthropic' | 'openai' | undefined;
}

/** Whether a value implements the `Provider` interface. */
export function isProvider(value: unknown): value is Provider {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Provider).stream === 'function' &&
    typeof (value as Provider).getModelInfo === 'function' &&
    typeof (value as Provider).hasCredential === 'function'
  );
}

/**
 * `config` without the settings that only the other provider has (`compat` when Anthropic is
 * chosen): one `ProviderConfig` type serves both, and a setting of the provider not chosen is
 * ignored. Anything else goes through, so the factory refuses a misspelt name.
 */
function withoutOtherProvidersSettings(
  config: ProviderConfig | undefined,
  own: { shape: object },
  other: { shape: object },
): ProviderConfig {
  return Object.fromEntries(
    Object.entries(config ?? {}).filter(([key]) => key in own.shape || !(key in other.shape)),
  );
}

const nonBlank = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/**
 * Turns `provider` / `model` / credential options into a provider instance, shared by
 * `createAgent`, `runAutonomous` and `sendPrompt`. Named providers read credentials from the
 * options, then the environment; with none the gateway still runs and answers with the stub
 * reply. Bad values fail here with a clear message, before anything starts.
 */
export function resolveProvider(options: ResolveProviderOptions): ResolvedProvider {
  const caller = options.caller ?? 'resolveProvider';
  const { provider = 'anthropic' } = options;
  const model = nonBlank(options.model);
  if (isProvider(provider)) {
    if (model === undefined) {
      throw new GatewayError(
        'invalid_option',
        `${caller}: model is required when passing a Provider instance`,
      );
    }
    return { provider, model, namedProvider: undefined };
  }
  if (typeof provider !== 'string') {
    throw new GatewayError(
      'invalid_option',
      `${caller}: provider must be 'anthropic', 'openai' or a Provider instance`,
    );
  }
  const name = provider.trim().toLowerCase();
  const apiKey = nonBlank(options.apiKey);
  if (name === 'anthropic') {
    const authToken = nonBlank(options.authToken);
    return {
      provider: createAnthropicProvider({
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(authToken === undefined ? {} : { authToken }),
        ...withoutOtherProvidersSettings(
          options.providerConfig,
          anthropicProviderOptionsSchema,
          openAIProviderOptionsSchema,
        ),
      }),
      model: model ?? DEFAULT_MODELS.anthropic,
      namedProvider: 'anthropic',
    };
  }
  if (name === 'openai') {
    return {
      provider: createOpenAIProvider({
        ...(apiKey === undefined ? {} : { apiKey }),
        ...withoutOtherProvidersSettings(
          options.providerConfig,
          openAIProviderOptionsSchema,
          anthropicProviderOptionsSchema,
        ),
      }),
      model: model ?? DEFAULT_MODELS.openai,
      namedProvider: 'openai',
    };
  }
  throw new GatewayError('unknown_provider', `Unknown provider: ${provider}. Use 'anthropic' or 'openai'.`);
}
