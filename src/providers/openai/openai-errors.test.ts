import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, isGatewayError, ProviderError } from '../../core/errors.js';
import { toOpenAIProviderError } from './openai-errors.js';
import { loadOpenAISdk } from './openai-sdk.js';

const live = new AbortController().signal;

const asProviderError = (error: unknown, signal: AbortSignal = live): ProviderError => {
  const converted = toOpenAIProviderError(error, signal);
  if (!(converted instanceof ProviderError))
    throw new Error(`expected a ProviderError, got ${converted.code}`);
  return converted;
};

const httpError = (status: number, headers: Record<string, string> = {}): APIError =>
  APIError.generate(status, { error: { message: `status ${status}` } }, undefined, new Headers(headers));

describe('toOpenAIProviderError', () => {
  // As the provider does before its first call: the SDK's errors are recognised once it is loaded.
  beforeAll(() => loadOpenAISdk());

  it('keeps the status and retry-after of a 429 and marks it retryable', () => {
    const error = asProviderError(httpError(429, { 'retry-after': '3' }));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });
  });

  it.each([408, 409, 500, 502, 503])('retries HTTP %i', (status) => {
    expect(asProviderError(httpError(status)).retryable).toBe(true);
  });

  it.each([400, 401, 403, 404, 422])('does not retry HTTP %i', (status) => {
    expect(asProviderError(httpError(status))).toMatchObject({ retryable: false, status });
  });

  it('retries connection failures and timeouts', () => {
    expect(asProviderError(new APIConnectionError({ message: 'refused' })).retryable).toBe(true);
    expect(asProviderError(new APIConnectionTimeoutError()).retryable).toBe(true);
  });

  it('retries a body cut mid-stream (undici "terminated" with a socket cause)', () => {
    const socketError = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(asProviderError(new TypeError('terminated', { cause: socketError })).retryable).toBe(true);
    expect(asProviderError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).retryable).toBe(true);
  });

  it('retries an in-stream server error but not an in-stream invalid request', () => {
    const transient = new APIError(
      undefined,
      { type: 'server_error', message: 'boom' },
      undefined,
      undefined,
    );
    const invalid = new APIError(
      undefined,
      { type: 'invalid_request_error', message: 'bad' },
      undefined,
      undefined,
    );
    expect(asProviderError(transient).retryable).toBe(true);
    expect(asProviderError(invalid).retryable).toBe(false);
  });

  it('does not retry anything unrecognised, such as a malformed chunk', () => {
    expect(asProviderError(new SyntaxError('Unexpected token')).retryable).toBe(false);
  });

  it('reports an abort as GatewayError aborted, whatever was thrown', () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(
      isGatewayError(toOpenAIProviderError(new TypeError('terminated'), aborted.signal), 'aborted'),
    ).toBe(true);
    expect(isGatewayError(toOpenAIProviderError(new APIUserAbortError(), live), 'aborted')).toBe(true);
  });

  it('passes gateway errors through unchanged', () => {
    const original = new ProviderError('already classified', { retryable: true });
    expect(toOpenAIProviderError(original, live)).toBe(original);
    const unknownModel = new GatewayError('unknown_model', 'nope');
    expect(toOpenAIProviderError(unknownModel, live)).toBe(unknownModel);
  });
});
