import { A2AError, RequestMalformedError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { isHttpError, type HttpError } from '../../../core/http-error.js';

/** The gateway error each A2A error was made from (`toA2aError`). */
const origins = new WeakMap<object, HttpError>();

/** Codes of a budget's refusal, answered with their HTTP status rather than a JSON-RPC error. */
const BUDGET_CODES: ReadonlySet<unknown> = new Set([
  'budget_exceeded',
  'budget_store_unavailable',
  'model_unpriced',
]);

/**
 * The budget refusal (429, 402, 503, 400: `budgetRefusalError`) an A2A error was made from, if
 * it was: the A2A route answers it with its HTTP status and `Retry-After`, as every surface does.
 */
export function budgetRefusalBehind(error: unknown): HttpError | undefined {
  const origin = typeof error === 'object' && error !== null ? origins.get(error) : undefined;
  return origin !== undefined && BUDGET_CODES.has(origin.body['code']) ? origin : undefined;
}

/** The stable code of an HTTP error body (`code`), else one named for its status. */
const codeOf = (status: number, body: Record<string, unknown>): string => {
  const code = body['code'];
  if (typeof code === 'string') return code;
  if (status === 429) return 'rate_limited';
  if (status === 409) return 'conflict';
  if (status === 503) return 'unavailable';
  if (status === 410) return 'expired';
  return `http_${status}`;
};

/**
 * The A2A error a gateway failure becomes: a 404 is `TaskNotFoundError`, a refused input
 * `RequestMalformedError`, anything else an `A2AError` whose metadata carries the gateway's
 * `code` and HTTP `status` (429 at a limit, 409 for a busy session, 503 while unavailable).
 * Errors that are A2A errors already pass through.
 */
export function toA2aError(error: unknown): unknown {
  if (error instanceof A2AError || !isHttpError(error)) return error;
  const body = error.body as Record<string, unknown>;
  const text =
    typeof body['detail'] === 'string'
      ? body['detail']
      : typeof body['error'] === 'string'
        ? body['error']
        : error.message;
  const metadata = { code: codeOf(error.status, body), status: String(error.status) };
  const converted =
    error.status === 404
      ? new TaskNotFoundError({ message: text, metadata })
      : error.status === 400 || error.status === 422
        ? new RequestMalformedError({ message: text, metadata })
        : new A2AError({ message: text, metadata });
  origins.set(converted, error);
  return converted;
}
