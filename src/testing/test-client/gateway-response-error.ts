/**
 * A gateway answered a test client's request with a status other than 2xx. It carries what the
 * client saw, so a test asserts on the status and the JSON body (`{detail}` for auth, body and
 * chat failures; `{error}` for the tool answer routes), never on message text.
 */
export class GatewayResponseError extends Error {
  /** The HTTP status (401, 404, 409, 410, …). */
  readonly status: number;
  /** The JSON object the gateway sent; `{}` when the body was empty or not a JSON object. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The response headers (`retry-after`, `allow`, …). */
  readonly headers: Headers;
  /** The request that failed, as `METHOD /path` (`POST /api/chat/tool-approval`). */
  readonly request: string;

  constructor(options: { status: number; body: Record<string, unknown>; headers: Headers; request: string }) {
    super(GatewayResponseError.describe(options));
    this.name = 'GatewayResponseError';
    this.status = options.status;
    this.body = options.body;
    this.headers = options.headers;
    this.request = options.request;
  }

  /** Reads a failed response into an error (the body is consumed). */
  static async fromResponse(response: Response, request: string): Promise<GatewayResponseError> {
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      // Not JSON (a proxy's page, an empty body): the status alone has to do.
    }
    return new GatewayResponseError({ status: response.status, body, headers: response.headers, request });
  }

  private static describe(options: {
    status: number;
    body: Record<string, unknown>;
    request: string;
  }): string {
    const text = options.body['detail'] ?? options.body['error'];
    const reason = typeof text === 'string' ? `: ${text}` : '';
    return `${options.request} answered ${options.status}${reason}`;
  }
}

/** Whether a value is a `GatewayResponseError`, optionally with the given status. */
export function isGatewayResponseError(value: unknown, status?: number): value is GatewayResponseError {
  return value instanceof GatewayResponseError && (status === undefined || value.status === status);
}
