import type { ConnectionOptions } from 'node:tls';
import { Http1Exchange } from './http1-exchange.js';
import { OriginPool, type OriginPoolOptions } from './origin-pool.js';
import { buildRequestHead, requestBytes, type RequestHead } from './request-head.js';
import type { ResponseBody } from './response-body.js';
import { abortError } from './transport-errors.js';

/** One request of `Http1Client.send`. */
export interface Http1Request {
  readonly method: string;
  /** Kept with the URL's request head while the same record comes: one record may serve every request. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | undefined;
  /** Destroys the request at any point, the body included; rejects with an `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /** No response head within this many ms: the request is destroyed, rejecting with a `TimeoutError`. */
  readonly timeoutMs?: number | undefined;
}

/** How `Http1Client` keeps its connections. */
export interface Http1ClientOptions {
  /** Connections open at once per origin (default 256); requests beyond wait in order. */
  readonly maxSocketsPerOrigin?: number;
  /** Idle connections kept per origin (default 256, as Node's agent). */
  readonly maxIdleSocketsPerOrigin?: number;
  /** How long an idle connection is kept (default 4 s; shortened by the server's `Keep-Alive: timeout`). */
  readonly keepAliveMs?: number;
  /** TLS options for `https:` origins (e.g. `ca`). */
  readonly tls?: Readonly<ConnectionOptions>;
}

interface Route {
  readonly head: RequestHead;
  readonly pool: OriginPool;
}

/**
 * A small HTTP/1.1 client over keep-alive sockets (`net`/`tls`), for a provider's hot path
 * where Node's `http.request` costs more than the exchange: each request is one socket write
 * of a head built once per URL and header record, its response is parsed by hand, and the body
 * goes to its reader as text with no stream in between. A reused connection found dead before
 * any byte of the answer is retried once on a new one (as Node's agent and undici do for a
 * stale keep-alive socket); nothing else is retried.
 */
export class Http1Client {
  readonly #pools = new Map<string, OriginPool>();
  readonly #routes = new WeakMap<URL, Route>();
  readonly #options: OriginPoolOptions;

  constructor(options: Http1ClientOptions = {}) {
    this.#options = {
      maxSockets: Math.max(1, options.maxSocketsPerOrigin ?? 256),
      maxIdleSockets: Math.max(0, options.maxIdleSocketsPerOrigin ?? 256),
      keepAliveMs: options.keepAliveMs ?? 4_000,
      tls: options.tls,
    };
  }

  /**
   * Sends one request to an `http:` or `https:` URL and resolves with its response once the head
   * arrived, whatever its status, the body still on the connection (read it, or `destroy` it).
   * Rejects with an `AbortError` once `signal` aborts, a `TimeoutError` after `timeoutMs`
   * without a head, the connection's error, or a malformed response's error (`HPE_*` code).
   */
  send(url: URL, request: Http1Request): Promise<ResponseBody> {
    const signal = request.signal;
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    let route: Route;
    try {
      route = this.#routeOf(url, request);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const init = {
      bytes: requestBytes(route.head, request.body),
      bodyless: route.head.bodyless,
      signal,
      timeoutMs: request.timeoutMs,
    };
    return new Promise<ResponseBody>((resolve, reject) => {
      route.pool.dispatch(new Http1Exchange(route.pool, init, resolve, reject), false);
    });
  }

  /** Closes the idle connections. Idempotent; requests in flight are left alone. */
  close(): void {
    for (const pool of this.#pools.values()) pool.closeIdle();
  }

  #routeOf(url: URL, request: Http1Request): Route {
    const known = this.#routes.get(url);
    if (
      known !== undefined &&
      known.head.headers === request.headers &&
      known.head.method === request.method &&
      known.head.href === url.href
    ) {
      return known;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw Object.assign(new TypeError(`Protocol "${url.protocol}" not supported`), {
        code: 'ERR_INVALID_PROTOCOL',
      });
    }
    const head = buildRequestHead(url, request.method, request.headers);
    const origin = `${url.protocol}//${url.host}`;
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new OriginPool(url, this.#options);
      this.#pools.set(origin, pool);
    }
    const route = { head, pool };
    this.#routes.set(url, route);
    return route;
  }
}
