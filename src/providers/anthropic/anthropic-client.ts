import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { buildAnthropicDefaultHeaders } from './anthropic-oauth.js';
import type { AnthropicSettings } from './resolve-anthropic-settings.js';

/** The official client, with the SDK's own error of a failed answer made callable. */
export class AnthropicClient extends Anthropic {
  /**
   * The error the SDK throws for a non-2xx answer: its class chosen by status and error code,
   * `body` the parsed JSON (absent when the body was not JSON, then `text` is the message).
   */
  statusErrorOf(status: number, body: unknown, text: string | undefined, headers: Headers): APIError {
    // The SDK itself passes whatever `JSON.parse` gave, `undefined` for a body that is not JSON.
    return this.makeStatusError(status, body as object, text, headers);
  }
}

/**
 * The provider's one client: exactly the given credential, no SDK retries (the agent loop
 * retries and announces each one), `fetch` the lean transport's when there is one.
 */
export const createAnthropicClient = (
  settings: AnthropicSettings,
  credential: string,
  fetch: ((input: string | URL | Request, init?: RequestInit) => Promise<Response>) | undefined,
): AnthropicClient =>
  new AnthropicClient({
    ...(fetch === undefined ? {} : { fetch }),
    // Exactly one credential, the other explicitly null: the SDK then neither reads the
    // environment nor falls back to credential files on disk.
    ...(settings.authMode === 'oauth'
      ? { authToken: credential, apiKey: null }
      : { apiKey: credential, authToken: null }),
    // null (not undefined) keeps the SDK from re-reading ANTHROPIC_BASE_URL itself.
    baseURL: settings.baseURL ?? null,
    // The agent loop retries and announces every retry (`stream_retry`); hidden SDK retries
    // would double the attempts and hide them.
    maxRetries: 0,
    timeout: settings.timeoutMs,
    defaultHeaders: buildAnthropicDefaultHeaders(settings.authMode, settings.defaultHeaders),
  });
