import type { FallbackModelSetting } from '../agent/agent-loop-settings.js';
import { GatewayError } from '../core/errors.js';
import type { Provider } from '../core/provider.js';
import { isProvider, resolveProvider } from '../providers/resolve-provider.js';
import type { ParsedAgentSpec } from './agent-spec.js';

/** The loop's `fallback` setting and the providers made for it (the caller closes them). */
export interface ResolvedFallback {
  fallback: FallbackModelSetting[];
  /** Providers created for fallback entries that named another provider. */
  createdProviders: Provider[];
}

/** What `fallbackOf` needs to know about the agent's own provider. */
export interface FallbackContext {
  provider: Provider;
  /** The agent's provider name when a string chose it (its instance serves that name too). */
  namedProvider: 'anthropic' | 'openai' | undefined;
  /** Models a request may choose (empty: any); every fallback model must be among them. */
  allowedModels?: ReadonlySet<string> | undefined;
  caller: string;
}

/**
 * Resolves the spec's `fallback` entries: no provider or the agent's provider name reuses the
 * agent's provider (its credentials and `providerConfig`); another name builds that provider
 * with its credentials from the environment, once per name; an instance is used as given. Each
 * model must pass the allowed-models check when the operator listed models, since a fallback
 * answers with the operator's key like any chosen model. Throws `invalid_option` otherwise.
 */
export function fallbackOf(spec: ParsedAgentSpec, context: FallbackContext): ResolvedFallback {
  const created = new Map<string, Provider>();
  const fallback = (spec.fallback ?? []).map((entry, index): FallbackModelSetting => {
    const allowed = context.allowedModels;
    if (allowed !== undefined && allowed.size > 0 && !allowed.has(entry.model)) {
      throw new GatewayError(
        'invalid_option',
        `${context.caller}: fallback[${index}].model '${entry.model}' is not in server.allowedModels; add it there`,
      );
    }
    const base = { model: entry.model, ...(entry.when === undefined ? {} : { when: entry.when }) };
    if (entry.provider === undefined) return base;
    if (isProvider(entry.provider)) return { ...base, provider: entry.provider };
    const name = entry.provider.trim().toLowerCase();
    if (name === context.namedProvider) return base;
    let provider = created.get(name);
    if (provider === undefined) {
      provider = resolveProvider({ provider: name, model: entry.model, caller: context.caller }).provider;
      created.set(name, provider);
    }
    return { ...base, provider };
  });
  return { fallback, createdProviders: [...created.values()] };
}
