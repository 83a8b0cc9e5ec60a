/** How requests authenticate: an API key, or a Claude-Code OAuth access token. */
export type AnthropicAuthMode = 'api' | 'oauth';

/** Options of `createAnthropicProvider`. Every field is optional; environment variables fill gaps. */
export interface AnthropicProviderOptions {
  /** API key; defaults to env `ANTHROPIC_API_KEY` (blank counts as absent). */
  apiKey?: string;
  /** OAuth access token; defaults to env `ANTHROPIC_AUTH_TOKEN` (blank counts as absent). */
  authToken?: string;
  /** Defaults to `oauth` when only a token is available, else `api`. */
  authMode?: AnthropicAuthMode;
  /**
   * API origin; defaults to env `ANTHROPIC_BASE_URL`, else Anthropic's. A custom base URL means an
   * Anthropic-compatible server, so model ids that do not start with `claude` are accepted.
   */
  baseURL?: string;
  /** Extra headers on every request; they override the provider's own (OAuth headers included). */
  defaultHeaders?: Record<string, string>;
  /** Per-request timeout in milliseconds (until the response starts); the SDK default is 10 min. */
  timeoutMs?: number;
}
