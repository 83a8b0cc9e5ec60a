import { egressFetch } from './egress-proxy.js';
import { ModelHttpClient, type ModelHttpClientOptions, type ModelHttpRequest } from './model-http-client.js';
import { headersOf, readWholeText, type ResponseBody } from './response-body.js';

/** A provider's HTTP transport for model calls; see `createModelTransport`. */
export interface ModelTransport {
  /** Fetch-compatible: what the SDKs call with the request they built. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /**
   * Sends one request and resolves once the response head arrived, whatever its status, the
   * body left on the connection for its reader: a provider's own hot path, with no web
   * `Request`, `Headers` or `Response` built.
   */
  send(url: URL, init: ModelHttpRequest): Promise<ResponseBody>;
  /** Closes the pooled connections (in flight ones once read); idempotent. */
  close(): void;
  /** Closes them now: requests in flight fail, their bodies' readers too; idempotent. */
  destroy(): void;
}

/**
 * A successful response whose body was left unread on the connection: `nodeBody` is the body
 * a lean parser reads directly. Its web `body` is null — the code that asked for this
 * transport reads `nodeBody` — so nothing builds a web stream per response.
 */
export class NodeBodyResponse extends Response {
  /** The response body, not yet read. */
  readonly nodeBody: ResponseBody;

  constructor(body: ResponseBody, headers: Headers) {
    super(null, { status: body.statusCode, statusText: body.statusMessage, headers });
    this.nodeBody = body;
  }
}

function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (init === undefined) return record;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      record[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init) if (name !== undefined && value !== undefined) record[name] = value;
  } else {
    Object.assign(record, init);
  }
  return record;
}

/** Reads a whole (error) body and answers it as an ordinary `Response`. */
async function bufferedResponse(body: ResponseBody, headers: Headers): Promise<Response> {
  const text = await readWholeText(body);
  const status = body.statusCode;
  const nullBody = status === 204 || status === 205 || status === 304;
  return new Response(nullBody ? null : text, { status, statusText: body.statusMessage, headers });
}

/**
 * The transport the `transport: 'lean'` providers give the official SDKs: one undici client
 * (`ModelHttpClient`) behind both a fetch-compatible function, so that the SDK still builds
 * the request, authenticates and classifies errors while the bytes skip WHATWG `fetch` and web
 * streams, and `send`, the providers' direct call. A 2xx answer to `fetch` is a
 * `NodeBodyResponse` whose body stays on the connection for the provider's own SSE parser; any
 * other status is read whole into a plain `Response`, as the SDK expects for its error. Bodies
 * other than a string or bytes (uploads), and non-http(s) URLs, go to `egressFetch`. Aborting
 * `init.signal` destroys the request at any point, the body included. Both honour
 * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`.
 */
export function createModelTransport(options: ModelHttpClientOptions = {}): ModelTransport {
  const client = new ModelHttpClient(options);

  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    const plainBody =
      body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if (url === undefined || !plainBody || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return egressFetch(input, init);
    }
    const response = await client.send(url, {
      method: init.method ?? 'GET',
      headers: headerRecord(init.headers),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
    });
    const headers = headersOf(response);
    const status = response.statusCode;
    return status >= 200 && status < 300
      ? new NodeBodyResponse(response, headers)
      : bufferedResponse(response, headers);
  };

  return {
    fetch,
    send: (url, init) => client.send(url, init),
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}
