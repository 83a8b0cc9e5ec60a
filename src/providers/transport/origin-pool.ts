import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Http1Connection, type ConnectionOwner } from './http1-connection.js';
import type { Http1Exchange } from './http1-exchange.js';

/** How an origin's connections are made and kept. */
export interface OriginPoolOptions {
  /** Connections open at once to the origin; requests beyond wait in order. */
  readonly maxSockets: number;
  /** Idle connections kept; the oldest beyond are closed. */
  readonly maxIdleSockets: number;
  /** How long an idle connection is kept (shortened by the server's `Keep-Alive: timeout`). */
  readonly keepAliveMs: number;
  /** TLS options for `https:` (e.g. `ca`), besides the host's name. */
  readonly tls: Readonly<ConnectionOptions> | undefined;
}

/**
 * The keep-alive connections to one origin (`http:` or `https:`, host and port): the most
 * recently idle one is reused first (LIFO, the one least likely to have timed out); idle ones
 * are unreferenced and closed after their keep-alive time by one timer per pool. At most
 * `maxSockets` are open; requests beyond wait for one. A TLS session is resumed on new
 * connections.
 */
export class OriginPool implements ConnectionOwner {
  readonly #secure: boolean;
  readonly #host: string;
  readonly #port: number;
  readonly #servername: string | undefined;
  readonly #options: OriginPoolOptions;
  readonly #idle: Http1Connection[] = [];
  readonly #queue: Http1Exchange[] = [];
  #open = 0;
  #sweep: ReturnType<typeof setTimeout> | undefined;
  #session: Buffer | undefined;

  constructor(url: URL, options: OriginPoolOptions) {
    this.#secure = url.protocol === 'https:';
    const hostname = url.hostname;
    this.#host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    this.#port = url.port === '' ? (this.#secure ? 443 : 80) : Number(url.port);
    // As Node's https agent: no SNI for an IP address.
    this.#servername = isIP(this.#host) === 0 ? this.#host : undefined;
    this.#options = options;
  }

  /** Sends the exchange on an idle connection (unless `fresh`), a new one, or queues it. */
  dispatch(exchange: Http1Exchange, fresh: boolean): void {
    if (!fresh) {
      const now = performance.now();
      for (let connection = this.#idle.pop(); connection !== undefined; connection = this.#idle.pop()) {
        if (connection.usable && now - connection.idleSince < connection.keepAliveMs) {
          connection.start(exchange);
          return;
        }
        connection.destroy();
      }
    }
    if (this.#open < this.#options.maxSockets) this.#connect().start(exchange);
    else this.#queue.push(exchange);
  }

  /** Takes a queued exchange out of the queue (it gave up waiting). */
  dequeue(exchange: Http1Exchange): void {
    const index = this.#queue.indexOf(exchange);
    if (index !== -1) this.#queue.splice(index, 1);
  }

  release(connection: Http1Connection): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      connection.start(next);
      return;
    }
    if (connection.keepAliveMs <= 0) {
      connection.destroy();
      return;
    }
    connection.socket.unref();
    connection.idleSince = performance.now();
    this.#idle.push(connection);
    if (this.#idle.length > this.#options.maxIdleSockets) this.#idle.shift()?.destroy();
    this.#sweep ??= this.#scheduleSweep(connection.keepAliveMs);
  }

  remove(connection: Http1Connection): void {
    this.#open -= 1;
    const index = this.#idle.lastIndexOf(connection);
    if (index !== -1) this.#idle.splice(index, 1);
    const next = this.#queue.shift();
    if (next !== undefined) this.dispatch(next, false);
  }

  /** Closes the idle connections. Idempotent; connections in use are left alone. */
  closeIdle(): void {
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }

  #connect(): Http1Connection {
    this.#open += 1;
    let socket: Socket;
    if (this.#secure) {
      const tls: TLSSocket = tlsConnect({
        ...this.#options.tls,
        host: this.#host,
        port: this.#port,
        servername: this.#servername,
        session: this.#session,
      });
      tls.on('session', (session: Buffer) => (this.#session = session));
      socket = tls;
    } else {
      socket = netConnect({ host: this.#host, port: this.#port });
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    return new Http1Connection(socket, this, this.#options.keepAliveMs);
  }

  #scheduleSweep(delayMs: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(this.#onSweep, Math.max(delayMs, 1));
    timer.unref();
    return timer;
  }

  /** Closes the connections idle past their time; comes back for the rest. */
  readonly #onSweep = (): void => {
    this.#sweep = undefined;
    const now = performance.now();
    let nextMs = Number.POSITIVE_INFINITY;
    for (const connection of [...this.#idle]) {
      const left = connection.idleSince + connection.keepAliveMs - now;
      if (left <= 0) connection.destroy();
      else nextMs = Math.min(nextMs, left);
    }
    if (nextMs !== Number.POSITIVE_INFINITY) this.#sweep = this.#scheduleSweep(nextMs);
  };
}
