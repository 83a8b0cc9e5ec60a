import { z } from 'zod';
import { parseOptions } from '../../core/parse-options.js';
import { httpProviderOptionsShape } from '../http-provider-options.js';

/** How requests authenticate: an API key, or a Claude-Code OAuth access token. */
export type AnthropicAuthMode = 'api' | 'oauth';

/** The options of `createAnthropicProvider`. Every field is optional; environment variables fill gaps. */
export const anthropicProviderOptionsSchema = z.strictObject({
  ...httpProviderOptionsShape,
  /** API key; defaults to env `ANTHROPIC_API_KEY` (blank counts as absent). */
  apiKey: httpProviderOptionsShape.apiKey,
  /** OAuth access token; defaults to env `ANTHROPIC_AUTH_TOKEN` (blank counts as absent). */
  authToken: z.string().optional(),
  /** Defaults to `oauth` when only a token is available, else `api`. */
  authMode: z.enum(['api', 'oauth'] satisfies AnthropicAuthMode[]).optional(),
  /**
   * API origin; defaults to env `ANTHROPIC_BASE_URL`, else Anthropic's. A custom base URL means an
   * Anthropic-compatible server, so model ids that do not start with `claude` are accepted.
   */
  baseURL: httpProviderOptionsShape.baseURL,
  /** Extra headers on every request; they override the provider's own (OAuth headers included). */
  defaultHeaders: httpProviderOptionsShape.defaultHeaders,
  /** Per-request timeout in milliseconds (until the response starts); the SDK default is 10 min. */
  timeoutMs: httpProviderOptionsShape.timeoutMs,
  /** `lean` (default): our socket reader; `sdk`: the SDK's own fetch and stream decoder. */
  transport: httpProviderOptionsShape.transport,
});

/** Options of `createAnthropicProvider`. Every field is optional; environment variables fill gaps. */
export type AnthropicProviderOptions = z.input<typeof anthropicProviderOptionsSchema>;

/** Checks `createAnthropicProvider` options; throws `GatewayError('invalid_option')` naming the field. */
export function parseAnthropicProviderOptions(options: AnthropicProviderOptions): AnthropicProviderOptions {
  return parseOptions(anthropicProviderOptionsSchema, options, 'createAnthropicProvider');
}
