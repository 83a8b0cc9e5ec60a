/** The errors the model transport rejects or fails a body with, named as Node and `fetch` name them. */

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
