import { GatewayError, ProviderError } from '../../core/errors.js';
import { providerErrorFromStatus } from '../provider-error-from-status.js';
import { loadedOpenAISdk } from './openai-sdk.js';

/** Error codes of Node sockets and undici that mean the connection failed, not the request. */
const transportErrorCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Error types an OpenAI-compatible server reports inside a stream for transient trouble. */
const transientStreamErrorTypes = new Set([
  'server_error',
  'rate_limit_exceeded',
  'overloaded_error',
  'timeout',
]);

const codeOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'code' in value ? value.code : undefined;

/**
 * Whether an error (or one of its causes) is a broken connection. undici reports a body cut
 * mid-stream as `TypeError: terminated` with the socket error as its cause.
 */
const isTransportFailure = (error: unknown): boolean => {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = codeOf(current);
    if (typeof code === 'string' && transportErrorCodes.has(code)) return true;
    if (current instanceof TypeError && /^(terminated|fetch failed)$/.test(current.message)) return true;
    current = current.cause;
  }
  return false;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Classifies any failure of an OpenAI call, once, at the provider boundary:
 * - the caller aborted (`signal` aborted, or the SDK's abort error) → `GatewayError('aborted')`;
 * - an HTTP error → `providerErrorFromStatus` (408/409/429/5xx retryable, `retry-after` kept);
 * - connection failures and timeouts, also mid-stream → retryable;
 * - an error event inside the stream → retryable only when its type names a transient cause;
 * - anything else (malformed stream, our own mapping errors) → not retryable.
 * A `GatewayError` passes through unchanged.
 */
export function toOpenAIProviderError(error: unknown, signal: AbortSignal): GatewayError {
  // Checked first: an abort surfaces as whatever the interrupted code threw (or as an early end).
  // An error of the SDK's own comes from a call, which loaded it.
  const sdk = loadedOpenAISdk();
  if (signal.aborted || (sdk !== undefined && error instanceof sdk.APIUserAbortError)) {
    return new GatewayError('aborted', 'openai: the request was aborted', { cause: error });
  }
  if (error instanceof GatewayError) return error;
  if (sdk !== undefined && error instanceof sdk.APIConnectionError) {
    return new ProviderError(`openai: connection failed: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  }
  if (sdk !== undefined && error instanceof sdk.APIError) {
    if (typeof error.status === 'number') {
      const headers = error.headers instanceof Headers ? error.headers : undefined;
      return providerErrorFromStatus('openai', error.status, error.message, headers, error);
    }
    const type = error.type ?? codeOf(error);
    const transient = typeof type === 'string' && transientStreamErrorTypes.has(type);
    return new ProviderError(`openai: error in stream: ${error.message}`, {
      retryable: transient,
      cause: error,
    });
  }
  if (isTransportFailure(error)) {
    return new ProviderError(`openai: connection lost: ${messageOf(error)}`, {
      retryable: true,
      cause: error,
    });
  }
  return new ProviderError(`openai: ${messageOf(error)}`, { retryable: false, cause: error });
}
