import { HttpError } from '../../core/http-error.js';

/**
 * A request whose credentials were refused, with the reason the log gets. The client's answer
 * says only what the client may learn (`detail`); the reason may say more (which check failed).
 */
export class AuthRefusal extends Error {
  constructor(
    /** Short, stable phrase for logs: "expired", "wrong audience", "unknown key"... */
    readonly reason: string,
    /** What the client is told (401 `{detail}`). */
    readonly detail = 'Invalid bearer token',
  ) {
    super(`authentication refused: ${reason}`);
  }

  /** The 401 the client gets. */
  toHttpError(): HttpError {
    return HttpError.detail(401, this.detail, { cause: this });
  }
}
