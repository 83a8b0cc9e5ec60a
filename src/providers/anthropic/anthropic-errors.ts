import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { GatewayError, ProviderError } from '../../core/errors.js';
import { providerErrorFromStatus } from '../provider-error-from-status.js';

const providerName = 'anthropic';

// Error types of an `event: error` frame sent mid-stream (no HTTP status): the transient ones.
const retryableStreamErrorTypes: ReadonlySet<string> = new Set([
  'overloaded_error',
  'api_error',
  'rate_limit_error',
  'timeout_error',
]);

// Transport failures below the SDK (undici) that surface while the body is being read.
const transportErrorCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const errorCode = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
};

/** Whether an error (or one of its causes) is a dropped or refused connection. */
const isTransportError = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = errorCode(current);
    // `HPE_*`: the lean transport's parser found the answer malformed, as a cut connection would
    // leave it; Node's own client reported those as a reset connection.
    if (code !== undefined && (transportErrorCodes.has(code) || code.startsWith('HPE_'))) return true;
    // undici reports a body cut mid-read as `TypeError: terminated`, a failed connect as
    // `TypeError: fetch failed`.
    if (
      current.name === 'TypeError' &&
      (current.message === 'terminated' || current.message === 'fetch failed')
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
};

// `instanceof` alone narrows to `APIError<any, any, any>`; this guard keeps the real defaults.
const isApiError = (value: unknown): value is APIError => value instanceof APIError;

const fromApiError = (error: APIError): ProviderError => {
  const message = error.apiMessage ?? error.message;
  if (error.status !== undefined) {
    return providerErrorFromStatus(providerName, error.status, message, error.headers, error);
  }
  // An `event: error` frame in an otherwise healthy stream, e.g. `overloaded_error`.
  const type = error.type ?? 'unknown_error';
  return new ProviderError(`${providerName} stream error (${type}): ${message}`, {
    retryable: retryableStreamErrorTypes.has(type),
    cause: error,
  });
};

/**
 * Classifies any failure of an Anthropic call, once, at the provider boundary:
 * - cancellation (`signal` aborted, or the SDK's abort error) → `GatewayError('aborted')`,
 *   never retried;
 * - HTTP errors → `ProviderError` with the status; 408/409/429/5xx/529 retryable, honouring
 *   `retry-after`; other 4xx not;
 * - connection failures, timeouts and cut streams → retryable;
 * - `GatewayError`s raised while mapping the stream pass through unchanged;
 * - anything else (malformed frames, SDK misuse) → not retryable, with the thrown error as `cause`.
 */
export function toAnthropicError(error: unknown, signal?: AbortSignal): GatewayError {
  if (signal?.aborted === true || error instanceof APIUserAbortError) {
    return new GatewayError('aborted', 'anthropic request aborted', { cause: error });
  }
  if (error instanceof GatewayError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError(`${providerName} request timed out`, { retryable: true, cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(`${providerName} connection error: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  }
  if (isApiError(error)) return fromApiError(error);
  if (isTransportError(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new ProviderError(`${providerName} connection lost: ${detail}`, { retryable: true, cause: error });
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ProviderError(`${providerName} request failed: ${detail}`, { retryable: false, cause: error });
}
