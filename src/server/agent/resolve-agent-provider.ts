import { GatewayError } from '../../core/errors.js';
import type { Provider } from '../../core/provider.js';
import { createAnthropicProvider } from '../../providers/anthropic/anthropic-provider.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';
import type { CreateAgentOptions } from './create-agent-options.js';

/** Default models of the named providers. */
export const DEFAULT_MODELS = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-4o' } as const;

/** The provider, model and allow-list `createAgent` works with. */
export interface ResolvedAgentProvider {
  provider: Provider;
  model: string;
  /** Models a request may choose; empty means any. */
  allowedModels: Set<string>;
}

const isProvider = (value: unknown): value is Provider =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Provider).stream === 'function' &&
  typeof (value as Provider).getModelInfo === 'function' &&
  typeof (value as Provider).hasCredential === 'function';

const nonBlank = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/**
 * Turns `createAgent`'s provider options into a provider instance. Named providers read their
 * credentials from the options, then the environment; with none the gateway still starts and
 * answers with the stub reply. Bad values fail here, before anything starts.
 */
export function resolveAgentProvider(options: CreateAgentOptions): ResolvedAgentProvider {
  const { provider = 'anthropic' } = options;
  const model = nonBlank(options.model);
  if (isProvider(provider)) {
    if (model === undefined) {
      throw new GatewayError(
        'invalid_option',
        'createAgent: model is required when passing a Provider instance',
      );
    }
    return { provider, model, allowedModels: new Set(options.allowedModels ?? []) };
  }
  if (typeof provider !== 'string') {
    throw new GatewayError(
      'invalid_option',
      "createAgent: provider must be 'anthropic', 'openai' or a Provider instance",
    );
  }
  const name = provider.trim().toLowerCase();
  const apiKey = nonBlank(options.apiKey);
  if (name === 'anthropic') {
    const authToken = nonBlank(options.authToken);
    const resolvedModel = model ?? DEFAULT_MODELS.anthropic;
    return {
      provider: createAnthropicProvider({
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(authToken === undefined ? {} : { authToken }),
        ...options.providerConfig,
      }),
      model: resolvedModel,
      allowedModels: new Set(
        options.allowedModels ?? ['claude-sonnet-4-6', 'claude-opus-4-6', resolvedModel],
      ),
    };
  }
  if (name === 'openai') {
    return {
      provider: createOpenAIProvider({
        ...(apiKey === undefined ? {} : { apiKey }),
        ...options.providerConfig,
      }),
      model: model ?? DEFAULT_MODELS.openai,
      allowedModels: new Set(options.allowedModels ?? []),
    };
  }
  throw new GatewayError('unknown_provider', `Unknown provider: ${provider}. Use 'anthropic' or 'openai'.`);
}
