import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Http1Client, type Http1ClientOptions } from './http1-client.js';
import { IncomingMessageBody } from './incoming-message-body.js';
import { RequestOptionsCache } from './request-options-cache.js';
import { headersOf, type ResponseBody } from './response-body.js';
import { abortError, timeoutError } from './transport-errors.js';

/** One request of `NodeHttpFetch.send`. */
export interface NodeRequestInit {
  method: string;
  /** Sent as they are, never modified: one record may serve every request (its head is built once). */
  headers: Readonly<Record<string, string>>;
  body?: string | Uint8Array | undefined;
  /** Destroys the request at any point, the body included; rejects with an `AbortError`. */
  signal?: AbortSignal | undefined;
  /** No response head within this many ms: the request is destroyed, rejecting with a `TimeoutError`. */
  timeoutMs?: number | undefined;
}

/** A `fetch` for the official SDKs over keep-alive `node:http(s)` agents; see `createNodeHttpFetch`. */
export interface NodeHttpFetch {
  /** Fetch-compatible: what the SDKs call with the request they built. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /**
   * Sends one request over the transport's own HTTP/1.1 client (`Http1Client`, not `node:http`)
   * and resolves once the response head arrived, whatever its status, the body left on the
   * connection for its reader: a provider's own hot path, with no web `Request`, `Headers` or
   * `Response` and no Node request or message built.
   */
  send(url: URL, init: NodeRequestInit): Promise<ResponseBody>;
  /** Closes the pooled idle connections; idempotent. Requests in flight are left alone. */
  close(): void;
}

/**
 * A successful response whose body was left unread on the socket: `nodeBody` is the body a
 * lean parser reads directly. Its web `body` is null — the code that asked for this transport
 * reads `nodeBody` — so nothing builds a web stream per response.
 */
export class NodeBodyResponse extends Response {
  /** The response body, not yet read. */
  readonly nodeBody: ResponseBody;

  constructor(message: IncomingMessage, headers: Headers) {
    super(null, { status: message.statusCode ?? 200, statusText: message.statusMessage ?? '', headers });
    this.nodeBody = new IncomingMessageBody(message);
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

const ignore = (): void => undefined;

/** Reads a whole (error) body. */
async function readWholeBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a whole (error) body and answers it as an ordinary `Response`. */
async function bufferedResponse(message: IncomingMessage, headers: Headers): Promise<Response> {
  const body = await readWholeBody(message);
  const status = message.statusCode ?? 500;
  const nullBody = status === 204 || status === 205 || status === 304;
  return new Response(nullBody ? null : body, {
    status,
    statusText: message.statusMessage ?? '',
    headers,
  });
}

/**
 * A fetch-compatible function over `node:http`/`node:https` with keep-alive agents: what the
 * `transport: 'lean'` providers give the official SDKs, so that the SDK still builds the
 * request, authenticates and classifies errors, but the bytes skip WHATWG `fetch` and web
 * streams. A 2xx answer is a `NodeBodyResponse` whose body stays on the socket for the
 * provider's own SSE parser; any other status is read whole into a plain `Response`, as the
 * SDK expects for its error. Bodies other than a string or bytes (uploads), and non-http(s)
 * URLs, go to the global `fetch`. Aborting `init.signal` destroys the request at any point,
 * the body included. `send`, the providers' direct call, goes over an `Http1Client` instead
 * (`options` configure it).
 */
export function createNodeHttpFetch(options: Http1ClientOptions = {}): NodeHttpFetch {
  const httpAgent = new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  const httpsAgent = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' });
  const requestOptions = new RequestOptionsCache();

  const client = new Http1Client(options);

  /** The SDK path's request, over `node:http`. */
  const sendNode = (url: URL, init: NodeRequestInit): Promise<IncomingMessage> => {
    const { signal, timeoutMs } = init;
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    return new Promise<IncomingMessage>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const outgoing = (secure ? httpsRequest : httpRequest)(
        requestOptions.of(url, init, secure ? httpsAgent : httpAgent),
      );
      const onAbort = (): void => {
        const error = abortError(signal ?? AbortSignal.abort());
        outgoing.destroy(error);
        reject(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const error = timeoutError(timeoutMs);
              outgoing.destroy(error);
              reject(error);
            }, timeoutMs);
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      outgoing.once('response', (message: IncomingMessage) => {
        clearTimeout(timer);
        // Errors of the body reach whoever reads it; without a listener Node would not report them.
        message.on('error', ignore);
        // The body is read later: the abort listener stays until the body is done.
        if (signal !== undefined) {
          const release = (): void => signal.removeEventListener('abort', onAbort);
          message.once('end', release);
          message.once('close', release);
        }
        resolve(message);
      });
      outgoing.end(init.body);
    });
  };

  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    const plainBody =
      body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if (url === undefined || !plainBody || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return globalThis.fetch(input, init);
    }
    const message = await sendNode(url, {
      method: init.method ?? 'GET',
      headers: headerRecord(init.headers),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
    });
    const headers = headersOf(message);
    const status = message.statusCode ?? 0;
    return status >= 200 && status < 300
      ? new NodeBodyResponse(message, headers)
      : bufferedResponse(message, headers);
  };

  return {
    fetch,
    send: (url, init) => client.send(url, init),
    close() {
      client.close();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
