import { HttpError } from './http-error.js';

/**
 * A 429 `{detail}` answer that carries `retry-after` (whole seconds), so that clients and load
 * balancers know when to come back.
 */
export class RateLimitedError extends HttpError {
  /** How long the client should wait, in ms (`retry-after` gives it in whole seconds, at least 1). */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(429, { detail: message });
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }

  override toResponse(): Response {
    return Response.json(this.body, {
      status: this.status,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(this.retryAfterMs / 1000))) },
    });
  }
}
