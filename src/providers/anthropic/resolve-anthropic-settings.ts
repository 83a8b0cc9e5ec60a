import { GatewayError } from '../../core/errors.js';
import type { AnthropicAuthMode, AnthropicProviderOptions } from './anthropic-provider-options.js';

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
}

const authModes: readonly AnthropicAuthMode[] = ['api', 'oauth'];

const invalid = (message: string): GatewayError =>
  new GatewayError('invalid_option', `createAnthropicProvider: ${message}`);

/** A trimmed value, or undefined for missing and blank ones (an empty variable means "unset"). */
const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

const optionalString = (name: string, value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return present(value);
};

const validateBaseURL = (value: string | undefined, source: string): string | undefined => {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${source} is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`${source} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
};

const validateHeaders = (value: unknown): Record<string, string> => {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('defaultHeaders must be an object of header names to string values');
  }
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (typeof headerValue !== 'string')
      throw invalid(`defaultHeaders[${JSON.stringify(name)}] must be a string`);
    headers[name] = headerValue;
  }
  return headers;
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
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const apiKey = optionalString('apiKey', options.apiKey) ?? present(environment['ANTHROPIC_API_KEY']);
  const authToken =
    optionalString('authToken', options.authToken) ?? present(environment['ANTHROPIC_AUTH_TOKEN']);
  if (options.authMode !== undefined && !authModes.includes(options.authMode)) {
    throw invalid(`authMode must be 'api' or 'oauth', got ${JSON.stringify(options.authMode)}`);
  }
  const authMode = options.authMode ?? (apiKey === undefined && authToken !== undefined ? 'oauth' : 'api');
  const explicitBaseURL = optionalString('baseURL', options.baseURL);
  const baseURL =
    explicitBaseURL === undefined
      ? validateBaseURL(present(environment['ANTHROPIC_BASE_URL']), 'ANTHROPIC_BASE_URL')
      : validateBaseURL(explicitBaseURL, 'baseURL');
  const timeoutMs = options.timeoutMs;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    throw invalid(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  return {
    authMode,
    credential: authMode === 'oauth' ? authToken : apiKey,
    baseURL,
    defaultHeaders: validateHeaders(options.defaultHeaders),
    timeoutMs,
  };
}
