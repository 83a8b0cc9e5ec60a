import type { Provider } from '../../core/provider.js';
import { resolveProvider } from '../../providers/resolve-provider.js';
import type { CreateAgentOptions } from './create-agent-options.js';

export { DEFAULT_MODELS } from '../../providers/resolve-provider.js';

/** The provider, model and allow-list `createAgent` works with. */
export interface ResolvedAgentProvider {
  provider: Provider;
  model: string;
  /** Models a request may choose; empty means any. */
  allowedModels: Set<string>;
}

/**
 * Resolves `createAgent`'s provider options (see `resolveProvider`) and its model allow-list:
 * for Anthropic the original's two defaults plus the configured model; for anything else the
 * configured model only (a client must not pick a pricier model on the operator's key), unless
 * `allowedModels` is given (`[]` allows any).
 */
export function resolveAgentProvider(options: CreateAgentOptions): ResolvedAgentProvider {
  const { provider, model, namedProvider } = resolveProvider({ ...options, caller: 'createAgent' });
  const defaults = namedProvider === 'anthropic' ? ['claude-sonnet-4-6', 'claude-opus-4-6', model] : [model];
  return { provider, model, allowedModels: new Set(options.allowedModels ?? defaults) };
}
