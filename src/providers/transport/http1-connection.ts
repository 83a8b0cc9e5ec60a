import type { Socket } from 'node:net';
import type { Http1Exchange } from './http1-exchange.js';
import { Http1ResponseParser } from './http1-response-parser.js';
import type { ResponseHead } from './parse-response-head.js';
import { bodyCutError } from './transport-errors.js';

/** What a connection tells its pool. */
export interface ConnectionOwner {
  /** The exchange completed and the connection may carry another one. */
  release(connection: Http1Connection): void;
  /** The connection closed (or is closing): never use it again. */
  remove(connection: Http1Connection): void;
}

const STALE_CODES = new Set(['ECONNRESET', 'EPIPE']);

const errorCode = (error: Error): string => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
};

/** Node's message for a connection closed before any answer. */
function hangUpError(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/**
 * One keep-alive HTTP/1.1 connection: its socket's listeners are installed once, for every
 * exchange it carries; each exchange's request is one socket write and its response is parsed
 * as it arrives. After a complete response it goes back to its pool, unless the server said
 * `Connection: close` or the framing needs the connection's end; a response cut, malformed or
 * abandoned closes it.
 */
export class Http1Connection {
  readonly socket: Socket;
  readonly #owner: ConnectionOwner;
  readonly #parser: Http1ResponseParser;
  #exchange: Http1Exchange | undefined;
  #head: ResponseHead | undefined;
  #error: Error | undefined;
  /** Whether it carried an exchange to its end before the current one. */
  #reused = false;
  /** Whether any byte of the current exchange's answer arrived. */
  #answered = false;
  #closed = false;
  /** When it went idle (ms, `performance.now`), and until when it may stay so. */
  idleSince = 0;
  keepAliveMs: number;

  constructor(socket: Socket, owner: ConnectionOwner, keepAliveMs: number) {
    this.socket = socket;
    this.#owner = owner;
    this.keepAliveMs = keepAliveMs;
    this.#parser = new Http1ResponseParser({
      head: (head) => {
        this.#head = head;
        this.#exchange?.head(head);
      },
      body: (text) => this.#exchange?.data(text),
    });
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
  }

  /** Whether it may carry a new exchange. */
  get usable(): boolean {
    return !this.#closed && !this.socket.destroyed && this.#exchange === undefined;
  }

  /** Sends the exchange's request on this connection. */
  start(exchange: Http1Exchange): void {
    this.#exchange = exchange;
    this.#head = undefined;
    this.#answered = false;
    this.#parser.reset(exchange.bodyless);
    exchange.attach(this);
    this.socket.ref();
    this.socket.write(exchange.bytes);
  }

  /** The exchange gives up (aborted, timed out, destroyed): the connection is closed. */
  abandon(exchange: Http1Exchange): void {
    if (this.#exchange !== exchange) return;
    this.#exchange = undefined;
    this.#parser.abandon();
    this.destroy();
  }

  /** Closes the connection at once. Idempotent. */
  destroy(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#owner.remove(this);
    }
    this.socket.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#exchange === undefined) {
      // Bytes nobody asked for: the connection's state is unknown.
      this.destroy();
      return;
    }
    this.#answered = true;
    let failure: Error | undefined;
    try {
      this.#parser.feed(chunk);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    const exchange = this.#exchange;
    if (exchange === undefined) return; // abandoned while its body was delivered
    if (this.#parser.done) {
      this.#exchange = undefined;
      this.#reused = true;
      const head = this.#head;
      if (failure === undefined && head?.keepAlive === true && !this.#closed) {
        if (head.keepAliveTimeoutMs !== undefined) {
          this.keepAliveMs = Math.min(this.keepAliveMs, head.keepAliveTimeoutMs - 1000);
        }
        if (exchange.isPaused()) this.socket.resume();
        this.#owner.release(this);
      } else this.destroy();
      exchange.complete();
    } else if (failure !== undefined) {
      this.#exchange = undefined;
      this.#parser.abandon();
      this.destroy();
      exchange.fail(failure, false);
    }
  };

  readonly #onError = (error: Error): void => {
    this.#error ??= error;
  };

  readonly #onEnd = (): void => {
    // The server closed its side: an idle connection goes at once; an exchange sees the close.
    if (this.#exchange === undefined) this.destroy();
  };

  readonly #onClose = (): void => {
    if (!this.#closed) {
      this.#closed = true;
      this.#owner.remove(this);
    }
    const exchange = this.#exchange;
    if (exchange === undefined) return;
    // A body delimited by the connection's end is complete now (its last text delivered first).
    const complete = this.#head !== undefined && this.#parser.close();
    this.#exchange = undefined;
    if (complete) {
      exchange.complete();
      return;
    }
    this.#parser.abandon();
    const error = this.#error;
    // A reused connection the server had closed (or reset) before it read the request.
    const stale =
      this.#reused && !this.#answered && (error === undefined || STALE_CODES.has(errorCode(error)));
    exchange.fail(error ?? (this.#head === undefined ? hangUpError() : bodyCutError()), stale);
  };
}
