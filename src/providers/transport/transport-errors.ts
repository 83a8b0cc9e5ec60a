/** The errors the lean transport rejects or fails a body with, named as Node and `fetch` name them. */

/** The signal aborted the request: an `AbortError` whose cause is the signal's reason. */
export function abortError(signal: AbortSignal | undefined): Error {
  const error = new Error('This operation was aborted', { cause: signal?.reason });
  error.name = 'AbortError';
  return error;
}

/** No response head within `timeoutMs`: a `TimeoutError`. */
export function timeoutError(timeoutMs: number): Error {
  const error = new Error(`Request timed out after ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}

/** The error of a body cut before its end (what Node reports for it, `ECONNRESET`). */
export function bodyCutError(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/**
 * A response that breaks HTTP/1.1: `code` is the name Node's own parser (llhttp) gives the same
 * fault, e.g. `HPE_INVALID_STATUS` or `HPE_INVALID_CHUNK_SIZE`.
 */
export function malformedResponseError(code: string, detail: string): Error {
  return Object.assign(new Error(`malformed HTTP response: ${detail}`), { code });
}
