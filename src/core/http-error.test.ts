import { describe, expect, it } from 'vitest';
import { HttpError, isHttpError } from './http-error.js';

describe('HttpError', () => {
  it('builds {detail} and {error} bodies and turns them into JSON responses', async () => {
    const detail = HttpError.detail(401, 'Missing API key');
    const error = HttpError.error(404, 'Unknown tool_call_id');
    expect(detail.message).toBe('HTTP 401: Missing API key');
    const response = error.toResponse();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ error: 'Unknown tool_call_id', detail: 'Unknown tool_call_id' });
    expect(await detail.toResponse().json()).toEqual({ detail: 'Missing API key' });
  });

  it('is recognised by isHttpError with an optional status', () => {
    const error = HttpError.detail(413, 'too large');
    expect(isHttpError(error)).toBe(true);
    expect(isHttpError(error, 413)).toBe(true);
    expect(isHttpError(error, 400)).toBe(false);
    expect(isHttpError(new Error('plain'))).toBe(false);
  });
});
