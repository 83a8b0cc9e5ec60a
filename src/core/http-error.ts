/** JSON body of an HTTP error response. */
export type HttpErrorBody = Record<string, unknown>;

/**
 * The body of an answer route's refusal: `error` as the tool-approval and tool-result routes
 * have always answered, and the same text as `detail`, the field every other route uses, so a
 * client reads one field everywhere.
 */
export const errorBody = (message: string): { error: string; detail: string } => ({
  error: message,
  detail: message,
});

/**
 * An error that travels on the wire: an HTTP status plus the exact JSON body the client sees.
 * Route handlers throw it from framework-free code; the HTTP layer turns it into a response
 * with `toResponse()`. Two body shapes exist because the wire protocol uses both: `{detail}` for
 * auth and body failures (FastAPI's shape) and `{error}` for the tool answer endpoints.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly body: HttpErrorBody;
  /** Extra response headers (`retry-after`, `allow`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    body: HttpErrorBody,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(
      HttpError.describe(status, body),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'HttpError';
    this.status = status;
    this.body = body;
    this.headers = options?.headers ?? {};
  }

  /** An error with body `{"detail": message}`. */
  static detail(
    status: number,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ): HttpError {
    return new HttpError(status, { detail: message }, options);
  }

  /** An error with body `{"error": message}`. */
  static error(status: number, message: string, options?: { cause?: unknown }): HttpError {
    return new HttpError(status, errorBody(message), options);
  }

  /** The JSON response for this error. */
  toResponse(): Response {
    return Response.json(this.body, { status: this.status, headers: this.headers });
  }

  private static describe(status: number, body: HttpErrorBody): string {
    const text = body['detail'] ?? body['error'];
    return typeof text === 'string' ? `HTTP ${status}: ${text}` : `HTTP ${status}`;
  }
}

/** Whether a value is an `HttpError`, optionally with the given status. */
export function isHttpError(value: unknown, status?: number): value is HttpError {
  return value instanceof HttpError && (status === undefined || value.status === status);
}
