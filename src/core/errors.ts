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
  /** A per-owner cap of the durable store was reached (threads, suspended runs): nothing was stored. */
  LimitReached: 'limit_reached',
  /** A shared store (Redis) could not be reached within the connect timeout. */
  StoreUnavailable: 'store_unavailable',
  /**
   * The database's schema is newer than this build knows (a newer gateway migrated it): this
   * instance refuses to start rather than write rows a newer schema does not expect.
   */
  SchemaTooNew: 'schema_too_new',
  /** A run's start was refused: another run's record has its id (`RunIdInUseError`). */
  RunIdInUse: 'run_id_in_use',
  /** An invariant of the gateway itself was broken (our bug). */
  Internal: 'internal_error',
} as const;

/**
 * The codes the gateway itself puts in failed tool results (`{ error: { code } }`): the
 * dispatcher, approvals, interceptors, client-side tool waits, MCP, sub-agents and code
 * execution. A code outside this list came from somewhere else (a tool handler's own, a client's
 * answer to a client-side tool), so anything that must stay small (metric labels) names it
 * `other`.
 */
export const TOOL_FAILURE_CODES: readonly string[] = [
  'tool_error',
  'unknown_tool',
  'invalid_input',
  'tool_timeout',
  'tool_excluded',
  'tool_denied',
  'rate_limited',
  'interceptor_error',
  'approval_required',
  'approval_timeout',
  'user_denied',
  'client_tool_unavailable',
  'mcp_tool_error',
  'not_found',
  'not_available',
  'invalid_skill',
  'limit_reached',
  'max_background_tasks',
  'backend_unavailable',
  'quota_exceeded',
  'file_cleanup_failed',
  'missing_tool_result',
  'interrupted',
  'cancelled',
  'internal_error',
];

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
