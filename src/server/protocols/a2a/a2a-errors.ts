import { A2AError, RequestMalformedError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { isHttpError } from '../../../core/http-error.js';

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
  const text = typeof body['detail'] === 'string' ? body['detail'] : error.message;
  const metadata = { code: codeOf(error.status, body), status: String(error.status) };
  if (error.status === 404) return new TaskNotFoundError({ message: text, metadata });
  if (error.status === 400 || error.status === 422)
    return new RequestMalformedError({ message: text, metadata });
  return new A2AError({ message: text, metadata });
}
