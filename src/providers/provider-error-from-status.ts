import { ProviderError } from '../core/errors.js';

/** HTTP statuses worth retrying: timeouts, conflicts, rate limits, server errors, overload. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Reads a `retry-after` (seconds or HTTP date) or `retry-after-ms` header into milliseconds.
 * Returns undefined when absent or unparsable. `now` is injectable for tests.
 */
export function parseRetryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '' && Number.isFinite(Number(milliseconds))) {
    return Math.max(0, Number(milliseconds));
  }
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Builds the `ProviderError` for an HTTP error response of a provider API. */
export function providerErrorFromStatus(
  providerName: string,
  status: number,
  message: string,
  headers: Headers | undefined,
  cause?: unknown,
): ProviderError {
  const retryAfterMs = parseRetryAfter(headers);
  return new ProviderError(`${providerName} API error ${status}: ${message}`, {
    retryable: isRetryableStatus(status),
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    cause,
  });
}
