import type { ConnectionOptions } from 'node:tls';
import type { Agent, buildConnector, Dispatcher, ProxyAgent } from 'undici';
import { DispatchedResponse } from './dispatched-response.js';
import { createEgressDispatcher } from './egress-proxy.js';
import type { ResponseBody } from './response-body.js';
import { abortError } from './transport-errors.js';

/** One request of `ModelHttpClient.send`. */
export interface ModelHttpRequest {
  readonly method: string;
  /**
   * Sent as they are, never modified: one record may serve every request. A record given again
   * is taken as unchanged (its flat list, built once, is sent).
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | undefined;
  /** Destroys the request at any point, the body included; rejects with an `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /** No response head within this many ms: the request is destroyed, rejecting with a `TimeoutError`. */
  readonly timeoutMs?: number | undefined;
}

/** How `ModelHttpClient` keeps its connections. */
export interface ModelHttpClientOptions {
  /** Connections open at once per origin (default 256); requests beyond wait in order. */
  readonly maxSocketsPerOrigin?: number;
  /** How long an idle connection is kept (default 4 s; shortened by the server's `Keep-Alive: timeout`). */
  readonly keepAliveMs?: number;
  /** TLS options for `https:` origins (e.g. `ca`). */
  readonly tls?: Readonly<ConnectionOptions>;
}

/** TLS options for the origin's connections, direct (`connect`) or through a proxy (`requestTls`). */
function tlsOptions(tls: Readonly<ConnectionOptions>): Pick<ProxyAgent.Options, 'connect' | 'requestTls'> {
  const connect = { ...tls } as buildConnector.BuildOptions;
  return { connect, requestTls: connect };
}

/** undici's options for the client's options; no timeout of undici's own (the caller sets them). */
function agentOptions(
  options: ModelHttpClientOptions,
): Agent.Options & Pick<ProxyAgent.Options, 'requestTls'> {
  return {
    connections: Math.max(1, options.maxSocketsPerOrigin ?? 256),
    keepAliveTimeout: options.keepAliveMs ?? 4_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    ...(options.tls === undefined ? {} : tlsOptions(options.tls)),
  };
}

/** Where a URL's requests go, as undici's `dispatch` takes it. */
interface Target {
  readonly href: string;
  readonly protocol: string;
  readonly origin: string;
  readonly path: string;
}

const targetOf = (url: URL): Target => ({
  href: url.href,
  protocol: url.protocol,
  origin: url.origin,
  path: `${url.pathname}${url.search}`,
});

/**
 * The model calls' HTTP/1.1 client: undici (a keep-alive pool per origin, llhttp's parser)
 * driven through its `dispatch` handler API, so that a response's body reaches its reader as
 * text with no stream in between. Calls go through the egress proxy named by `HTTPS_PROXY` /
 * `HTTP_PROXY` unless `NO_PROXY` lists their host (read when the client is created).
 */
export class ModelHttpClient {
  readonly #dispatcher: Dispatcher;
  #closed = false;
  #destroyed = false;
  /** The last request's URL, parsed for undici (a provider sends every call to one URL). */
  #target: Target | undefined;
  /** The last header record sent, and its flat list once it came twice (see `#headersFor`). */
  #headers: Readonly<Record<string, string>> | undefined;
  #headerList: string[] | undefined;

  constructor(options: ModelHttpClientOptions = {}) {
    this.#dispatcher = createEgressDispatcher(agentOptions(options));
  }

  /**
   * Sends one request to an `http:` or `https:` URL and resolves with its response once the head
   * arrived, whatever its status, the body still on the connection (read it, or `destroy` it).
   * Rejects with an `AbortError` once `signal` aborts, a `TimeoutError` after `timeoutMs`
   * without a head, the connection's error, or a malformed response's error (llhttp's `HPE_*`).
   */
  send(url: URL, request: ModelHttpRequest): Promise<ResponseBody> {
    const signal = request.signal;
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    let target = this.#target;
    if (target?.href !== url.href) this.#target = target = targetOf(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      const error = new TypeError(`Protocol "${target.protocol}" not supported`);
      return Promise.reject(Object.assign(error, { code: 'ERR_INVALID_PROTOCOL' }));
    }
    const init = {
      dispatcher: this.#dispatcher,
      options: {
        origin: target.origin,
        path: target.path,
        method: request.method,
        headers: this.#headersFor(request.headers),
        body: request.body ?? null,
        headersTimeout: request.timeoutMs ?? 0,
      },
      signal,
      timeoutMs: request.timeoutMs,
    };
    return new Promise<ResponseBody>((resolve, reject) => {
      new DispatchedResponse(init, resolve, reject).dispatch();
    });
  }

  /**
   * The headers as undici is given them: a record seen for the first time as it is; one sent
   * again (a provider's direct calls send one record with every call) as its flat
   * `[name, value, …]` list, built once, which spares undici enumerating the record's keys on
   * every request.
   */
  #headersFor(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> | string[] {
    if (headers !== this.#headers) {
      this.#headers = headers;
      this.#headerList = undefined;
      return headers;
    }
    this.#headerList ??= Object.entries(headers).flat();
    return this.#headerList;
  }

  /**
   * Closes the client: its idle connections at once, the others once their answers are read;
   * a request sent afterwards is refused (`UND_ERR_CLOSED`). Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#dispatcher.close().catch(() => undefined);
  }

  /**
   * Closes the client at once: every request in flight fails (waiting for its head, it rejects;
   * its body being read, the reader hears the error), every connection is closed, and a request
   * sent afterwards is refused (`UND_ERR_DESTROYED`). Idempotent, after `close` too.
   */
  destroy(): void {
    this.#closed = true;
    if (this.#destroyed) return;
    this.#destroyed = true;
    void this.#dispatcher.destroy().catch(() => undefined);
  }
}
