import type { GatewayApp, ListeningServer } from '../../src/server/gateway-app.js';

/** A session opened through `POST /chat/init`. */
export interface OpenedSession {
  token: string;
  sessionId: string;
  expiresAt: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A small client for a gateway's routes, reached over HTTP at `baseUrl`. */
export interface HttpGatewayClient {
  /** `http://127.0.0.1:<port>` followed by the route prefix. */
  readonly baseUrl: string;
  /** POSTs `body` (JSON-encoded unless it is already a string) to `baseUrl + path`. */
  post(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  /** GETs `baseUrl + path`. */
  get(path: string, options?: RequestOptions): Promise<Response>;
  /** Opens a session with `apiKey` (default `test-client-key`); fails the test unless 200. */
  openSession(apiKey?: string): Promise<OpenedSession>;
  /** Starts a chat with one user message (or a full body); returns the raw response. */
  chat(token: string, message: string | Record<string, unknown>, options?: RequestOptions): Promise<Response>;
}

/** A gateway listening on 127.0.0.1 in this process and a small client for its routes. */
export interface GatewayClient extends HttpGatewayClient {
  readonly app: GatewayApp;
  readonly server: ListeningServer;
  /** Closes the app, then the listener; idempotent. */
  close(): Promise<void>;
}

/** Reads a JSON response body as a plain record (the gateway answers every non-SSE route in JSON). */
export async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(body)}`);
  }
  return body as Record<string, unknown>;
}

/**
 * A client for a gateway that listens at `baseUrl` (its URL plus route prefix), wherever it
 * runs: in this process or in a child process.
 */
export function createHttpGatewayClient(baseUrl: string): HttpGatewayClient {
  const headersOf = (options: RequestOptions, json: boolean): Record<string, string> => ({
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  });

  const post = (path: string, body: unknown, options: RequestOptions = {}): Promise<Response> =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: headersOf(options, true),
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });

  return {
    baseUrl,
    post,
    get: (path, options = {}) =>
      fetch(`${baseUrl}${path}`, {
        headers: headersOf(options, false),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    async openSession(apiKey = 'test-client-key') {
      const response = await post('/chat/init', { api_key: apiKey });
      const body = await jsonOf(response);
      if (response.status !== 200)
        throw new Error(`chat/init failed: ${response.status} ${JSON.stringify(body)}`);
      const { session_token: token, session_id: sessionId, expires_at: expiresAt } = body;
      if (typeof token !== 'string' || typeof sessionId !== 'string' || typeof expiresAt !== 'number') {
        throw new Error(`unexpected chat/init body: ${JSON.stringify(body)}`);
      }
      return { token, sessionId, expiresAt };
    },
    chat(token, message, options = {}) {
      const body = typeof message === 'string' ? { messages: [{ role: 'user', content: message }] } : message;
      return post('/chat', body, { ...options, token });
    },
  };
}

/**
 * Serves `app` on a free port of 127.0.0.1 (a real socket: requests go through Node's HTTP
 * stack and `fetch`, exactly as a deployed client's would).
 */
export async function startGatewayClient(app: GatewayApp, port = 0): Promise<GatewayClient> {
  const server = await app.listen({ port, host: '127.0.0.1' });
  let closing: Promise<void> | undefined;
  return {
    ...createHttpGatewayClient(`${server.url}${app.prefix}`),
    app,
    server,
    close() {
      closing ??= (async () => {
        await app.close();
        await server.close();
      })();
      return closing;
    },
  };
}
