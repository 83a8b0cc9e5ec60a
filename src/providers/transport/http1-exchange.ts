import type { Http1Connection } from './http1-connection.js';
import type { OriginPool } from './origin-pool.js';
import type { ResponseHead } from './parse-response-head.js';
import type { BodySink, ResponseBody } from './response-body.js';
import { abortError, timeoutError } from './transport-errors.js';

const NO_HEADERS: readonly string[] = [];

const WAITING = 0;
const BODY = 1;
const SETTLED = 2;

/** What starts an exchange: its bytes, and how long and until what it may wait. */
export interface ExchangeInit {
  readonly bytes: string | Buffer;
  readonly bodyless: boolean;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
}

/**
 * One request and its response on a pooled connection: it resolves `send`'s promise with
 * itself once the head arrived, then is the `ResponseBody` the reader reads. The signal aborts
 * it at any point (its connection is destroyed); the timeout only until the head. A reused
 * connection that fails before any byte of the answer sends it once more, on a new connection.
 */
export class Http1Exchange implements ResponseBody {
  statusCode = 0;
  statusMessage = '';
  rawHeaders: readonly string[] = NO_HEADERS;
  /** Whether it was already sent again after a stale connection. */
  retried = false;
  readonly bytes: string | Buffer;
  readonly bodyless: boolean;
  readonly #pool: OriginPool;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (body: ResponseBody) => void;
  readonly #reject: (error: Error) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connection: Http1Connection | undefined;
  #state = WAITING;
  #sink: BodySink | undefined;
  #pendingText = '';
  #pendingEnd = false;
  #pendingError: Error | undefined;
  #paused = false;

  constructor(
    pool: OriginPool,
    init: ExchangeInit,
    resolve: (body: ResponseBody) => void,
    reject: (error: Error) => void,
  ) {
    this.#pool = pool;
    this.bytes = init.bytes;
    this.bodyless = init.bodyless;
    this.#signal = init.signal;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal?.addEventListener('abort', this.#onAbort);
    const timeoutMs = init.timeoutMs;
    if (timeoutMs !== undefined) this.#timer = setTimeout(this.#onTimeout, timeoutMs, timeoutMs);
  }

  /** The connection it is sent on (set by the connection). */
  attach(connection: Http1Connection): void {
    this.#connection = connection;
    if (this.#paused) connection.socket.pause();
  }

  /** The response head arrived. */
  head(head: ResponseHead): void {
    if (this.#state !== WAITING) return;
    this.#state = BODY;
    clearTimeout(this.#timer);
    this.statusCode = head.statusCode;
    this.statusMessage = head.statusMessage;
    this.rawHeaders = head.rawHeaders;
    this.#resolve(this);
  }

  /** A piece of the body. */
  data(text: string): void {
    if (this.#sink !== undefined) this.#sink.data(text);
    else this.#pendingText += text;
  }

  /** The body is complete (the connection already let go of the exchange). */
  complete(): void {
    this.#connection = undefined;
    if (!this.#settle()) return;
    if (this.#sink !== undefined) this.#sink.end();
    else this.#pendingEnd = true;
  }

  /**
   * The connection failed (and let go of the exchange); `stale` when it was a reused connection
   * that failed before any byte of the answer, which is then sent once more on a new one.
   */
  fail(error: Error, stale: boolean): void {
    this.#connection = undefined;
    if (this.#state === WAITING && stale && !this.retried) {
      this.retried = true;
      this.#pool.dispatch(this, true);
      return;
    }
    this.#failWith(error);
  }

  read(sink: BodySink): void {
    this.#sink = sink;
    if (this.#pendingText !== '') {
      const text = this.#pendingText;
      this.#pendingText = '';
      sink.data(text);
    }
    if (this.#pendingError !== undefined) sink.error(this.#pendingError);
    else if (this.#pendingEnd) sink.end();
  }

  pause(): void {
    this.#paused = true;
    this.#connection?.socket.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#connection?.socket.resume();
  }

  isPaused(): boolean {
    return this.#paused;
  }

  destroy(): void {
    if (!this.#settle()) return;
    this.#sink = undefined;
    this.#abandon();
  }

  /** Ends the exchange's life; false if it had ended already. */
  #settle(): boolean {
    if (this.#state === SETTLED) return false;
    if (this.#state === WAITING) clearTimeout(this.#timer);
    this.#state = SETTLED;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }

  /** Lets go of the connection, which is destroyed (or of the pool's queue). */
  #abandon(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined) connection.abandon(this);
    else this.#pool.dequeue(this);
  }

  #failWith(error: Error): void {
    const before = this.#state === WAITING;
    if (!this.#settle()) return;
    if (before) this.#reject(error);
    else if (this.#sink !== undefined) this.#sink.error(error);
    else this.#pendingError = error;
  }

  readonly #onAbort = (): void => {
    this.#abandon();
    this.#failWith(abortError(this.#signal));
  };

  readonly #onTimeout = (timeoutMs: number): void => {
    this.#abandon();
    this.#failWith(timeoutError(timeoutMs));
  };
}
