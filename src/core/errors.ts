/**
 * Local error catalogue. Callers match on `code`, never on message text. These errors travel
 * inside the process (thrown to the embedding application); failures that travel on the wire
 * are `error` events or tool error payloads instead.
 */
export const GatewayErrorCode = {
  /** A constructor or factory received an invalid option (user misconfiguration). */
  InvalidOption: 'invalid_option',
  /** An unknown provider name was given. */
  UnknownProvider: 'unknown_provider',
  /** The provider does not know the requested model. */
  UnknownModel: 'unknown_model',
  /** The provider request failed (HTTP status, connection, malformed stream). */
  ProviderError: 'provider_error',
  /** No stream event arrived within the stall timeout. */
  StreamStall: 'stream_stall',
  /** A model turn exceeded the per-turn timeout. */
  TurnTimeout: 'turn_timeout',
  /** The operation was cancelled through its AbortSignal. */
  Aborted: 'aborted',
  /** A scripted test double was used in a way its script does not allow. */
  ScriptViolation: 'script_violation',
  /** A shared store (Redis) could not be reached within the connect timeout. */
  StoreUnavailable: 'store_unavailable',
  /** An invariant of the gateway itself was broken (our bug). */
  Internal: 'internal_error',
} as const;

/** One of the stable codes of `GatewayErrorCode`. */
export type GatewayErrorCodeValue = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** Base class of every error the gateway throws on purpose. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCodeValue;

  constructor(code: GatewayErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
  }
}

/**
 * A failed provider call, classified once at the provider boundary: the agent loop retries it
 * only when `retryable` is true and waits at least `retryAfterMs` when the server said so.
 */
export class ProviderError extends GatewayError {
  readonly retryable: boolean;
  /** HTTP status when the failure was an HTTP response. */
  readonly status: number | undefined;
  /** Delay the server asked for (`retry-after`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(GatewayErrorCode.ProviderError, message, { cause: options.cause });
    this.name = 'ProviderError';
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether a value is a `GatewayError` with the given code. */
export function isGatewayError(value: unknown, code?: GatewayErrorCodeValue): value is GatewayError {
  return value instanceof GatewayError && (code === undefined || value.code === code);
}
