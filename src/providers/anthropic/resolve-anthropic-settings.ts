import { assertHttpURLVariable, type ProviderTransport } from '../http-provider-options.js';
import {
  parseAnthropicProviderOptions,
  type AnthropicAuthMode,
  type AnthropicProviderOptions,
} from './anthropic-provider-options.js';

/** Environment variables the provider reads (a plain record, so tests can pass their own). */
export type AnthropicEnvironment = Readonly<Record<string, string | undefined>>;

/** Options and environment merged into the settings one provider instance uses. */
export interface AnthropicSettings {
  authMode: AnthropicAuthMode;
  /** The credential this mode sends (API key or OAuth token); undefined when none is configured. */
  credential: string | undefined;
  /** Custom API origin; undefined means Anthropic's own. */
  baseURL: string | undefined;
  defaultHeaders: Record<string, string>;
  timeoutMs: number | undefined;
  transport: ProviderTransport;
}

/** A trimmed value, or undefined for missing and blank ones (an empty variable means "unset"). */
const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/**
 * Validates `createAnthropicProvider` options and fills gaps from the environment
 * (`ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN`, `ANTHROPIC_BASE_URL`; blank values are absent).
 * The auth mode defaults to `oauth` only when a token is the sole credential. Explicit options
 * always win, and the result is passed to the SDK explicitly, so the SDK never reads the
 * environment (or credential files) on its own.
 *
 * @throws GatewayError `invalid_option` for a malformed option or base URL.
 */
export function resolveAnthropicSettings(
  options: AnthropicProviderOptions,
  environment: AnthropicEnvironment,
): AnthropicSettings {
  const parsed = parseAnthropicProviderOptions(options);
  const apiKey = present(parsed.apiKey) ?? present(environment['ANTHROPIC_API_KEY']);
  const authToken = present(parsed.authToken) ?? present(environment['ANTHROPIC_AUTH_TOKEN']);
  const authMode = parsed.authMode ?? (apiKey === undefined && authToken !== undefined ? 'oauth' : 'api');
  const environmentBaseURL = present(environment['ANTHROPIC_BASE_URL']);
  const explicitBaseURL = present(parsed.baseURL);
  if (explicitBaseURL === undefined && environmentBaseURL !== undefined) {
    assertHttpURLVariable(environmentBaseURL, 'ANTHROPIC_BASE_URL', 'createAnthropicProvider');
  }
  return {
    authMode,
    credential: authMode === 'oauth' ? authToken : apiKey,
    baseURL: explicitBaseURL ?? environmentBaseURL,
    defaultHeaders: { ...parsed.defaultHeaders },
    timeoutMs: parsed.timeoutMs,
    transport: parsed.transport ?? 'lean',
  };
}
