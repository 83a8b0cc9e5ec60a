import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { ProviderError, isGatewayError, type GatewayError } from '../../core/errors.js';
import { toAnthropicError } from './anthropic-errors.js';

const httpError = (status: number, headers: Record<string, string> = {}): APIError =>
  APIError.generate(
    status,
    { type: 'error', error: { type: 'some_error', message: `scripted ${status}` } },
    undefined,
    new Headers(headers),
  );

const asProviderError = (error: GatewayError): ProviderError => {
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
};

describe('toAnthropicError', () => {
  it.each([408, 409, 429, 500, 503, 529])('marks HTTP %i retryable with its status', (status) => {
    const error = asProviderError(toAnthropicError(httpError(status)));
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`scripted ${status}`);
  });

  it.each([400, 401, 403, 404, 413])('marks HTTP %i not retryable', (status) => {
    const error = asProviderError(toAnthropicError(httpError(status)));
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(status);
  });

  it('honours retry-after', () => {
    const error = asProviderError(toAnthropicError(httpError(429, { 'retry-after': '3' })));
    expect(error.retryAfterMs).toBe(3000);
  });

  it('marks connection errors and timeouts retryable', () => {
    expect(asProviderError(toAnthropicError(new APIConnectionError({ message: 'refused' }))).retryable).toBe(
      true,
    );
    expect(asProviderError(toAnthropicError(new APIConnectionTimeoutError())).retryable).toBe(true);
  });

  it('marks a connection dropped while reading the body retryable', () => {
    const socketError = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const terminated = new TypeError('terminated', { cause: socketError });
    expect(asProviderError(toAnthropicError(terminated)).retryable).toBe(true);
  });

  it('marks an answer the transport could not parse (an HPE_ code) retryable', () => {
    const malformed = Object.assign(new Error('Invalid chunk size'), { code: 'HPE_INVALID_CHUNK_SIZE' });
    expect(asProviderError(toAnthropicError(malformed)).retryable).toBe(true);
    const other = Object.assign(new Error('no such thing'), { code: 'ENOENT' });
    expect(asProviderError(toAnthropicError(other)).retryable).toBe(false);
  });

  it('classifies error frames sent mid-stream by their type', () => {
    const overloaded = new APIError(
      undefined,
      { type: 'error', error: { type: 'overloaded_error', message: 'busy' } },
      undefined,
      undefined,
    );
    const invalid = new APIError(
      undefined,
      { type: 'error', error: { type: 'invalid_request_error', message: 'no' } },
      undefined,
      undefined,
    );
    expect(asProviderError(toAnthropicError(overloaded)).retryable).toBe(true);
    expect(asProviderError(toAnthropicError(invalid)).retryable).toBe(false);
  });

  it('turns cancellation into a non-retryable aborted error', () => {
    expect(isGatewayError(toAnthropicError(new APIUserAbortError()), 'aborted')).toBe(true);
    const controller = new AbortController();
    controller.abort();
    const duringAbort = toAnthropicError(
      new ProviderError('stream ended', { retryable: true }),
      controller.signal,
    );
    expect(isGatewayError(duringAbort, 'aborted')).toBe(true);
    expect(duringAbort).not.toBeInstanceOf(ProviderError);
  });

  it('passes gateway errors raised while mapping through unchanged', () => {
    const original = new ProviderError('bad tool json', { retryable: false });
    expect(toAnthropicError(original)).toBe(original);
  });

  it('wraps anything else as a non-retryable ProviderError keeping the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = asProviderError(toAnthropicError(cause));
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(cause);
  });
});
