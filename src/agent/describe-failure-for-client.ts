import { ProviderError } from '../core/errors.js';

/** What a client is told about a failed model call: a stable code and a fixed sentence. */
export interface ClientFailure {
  code: string;
  message: string;
}

/**
 * The catalogue of failure codes a client may see in `error` and `stream_retry` events. The
 * sentences never change with the cause: hosts, ports, provider request ids and upstream error
 * texts stay in the gateway's log, where the operator reads them.
 */
export const CLIENT_FAILURES = {
  upstream_unavailable: 'The model provider could not be reached.',
  upstream_timeout: 'The model provider did not answer in time.',
  upstream_auth_failed: "The model provider refused the gateway's credentials.",
  upstream_not_found: 'The model provider does not know the requested model or endpoint.',
  upstream_rate_limited: 'The model provider is limiting requests; try again later.',
  upstream_overloaded: 'The model provider is overloaded; try again later.',
  upstream_rejected_request: 'The model provider rejected the request.',
  context_too_long: "The conversation is too long for the model's context window.",
  upstream_error: 'The model provider failed to answer.',
  internal_error: 'The run failed because of an internal error.',
} as const satisfies Record<string, string>;

/** One of the codes of `CLIENT_FAILURES`. */
export type ClientFailureCode = keyof typeof CLIENT_FAILURES;

const failure = (code: ClientFailureCode): ClientFailure => ({ code, message: CLIENT_FAILURES[code] });

const CONTEXT_TOO_LONG = /prompt is too long|context length|context window|maximum context|too many tokens/i;

/** Maps a failed model call (or any error of a run) to what its client may be told. */
export function describeFailureForClient(error: unknown): ClientFailure {
  if (!(error instanceof ProviderError)) return failure('internal_error');
  const status = error.status;
  if (status === undefined) {
    return failure(/timed? ?out/i.test(error.message) ? 'upstream_timeout' : 'upstream_unavailable');
  }
  if (status === 401 || status === 403) return failure('upstream_auth_failed');
  if (status === 404) return failure('upstream_not_found');
  if (status === 408 || status === 504) return failure('upstream_timeout');
  if (status === 429) return failure('upstream_rate_limited');
  if (status === 529 || status === 503) return failure('upstream_overloaded');
  if (status >= 400 && status < 500) {
    return failure(CONTEXT_TOO_LONG.test(error.message) ? 'context_too_long' : 'upstream_rejected_request');
  }
  return failure('upstream_error');
}
