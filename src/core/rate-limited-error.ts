import { HttpError } from './http-error.js';

/**
 * A 429 `{detail}` answer that carries `retry-after` (whole seconds), so that clients and load
 * balancers know when to come back.
 */
export class RateLimitedError extends HttpError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(429, { detail: message });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }

  override toResponse(): Response {
    return Response.json(this.body, {
      status: this.status,
      headers: { 'retry-after': String(this.retryAfterSeconds) },
    });
  }
}
