import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';
import type { BodySink, ResponseBody } from './response-body.js';
import { abortError, timeoutError } from './transport-errors.js';
import { forgetWrite, whenWritten } from './written-requests.js';

const WAITING = 0;
const BODY = 1;
const SETTLED = 2;

/** Errors of a connection that died under a request before any byte of its answer. */
const STALE_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * The error a request fails with: undici's head timeout as a `TimeoutError`; a malformed answer
 * keeps an `HPE_*` code (undici 7 leaves llhttp's code out), which the providers classify as
 * retryable, as a cut connection.
 */
function reportedError(error: Error, code: unknown, timeoutMs: number | undefined): Error {
  if (code === 'UND_ERR_HEADERS_TIMEOUT' && timeoutMs !== undefined) return timeoutError(timeoutMs);
  if (error.name === 'HTTPParserError' && code === undefined) {
    return Object.assign(error, { code: 'HPE_INVALID_RESPONSE' });
  }
  return error;
}

/** What starts a dispatched request: where it goes, and how long and until what it may wait. */
export interface DispatchInit {
  readonly dispatcher: Dispatcher;
  readonly options: Dispatcher.DispatchOptions;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
}

/**
 * One request dispatched to undici and its response: the undici handler (its callback API, the
 * one undici's own `request` sits on) and, once the head arrived, the `ResponseBody` the reader
 * reads, decoded as UTF-8 with no stream in between. The signal aborts it at any point; the
 * timeout only until the head. A request that undici wrote on a connection that had carried a request
 * before, which then died before any byte of the answer (a stale keep-alive connection), is
 * dispatched once more (`written-requests.ts` tells which): undici itself retries nothing that
 * is not idempotent.
 */
export class DispatchedResponse implements ResponseBody, Dispatcher.DispatchHandler {
  statusCode = 0;
  statusMessage = '';
  readonly #init: DispatchInit;
  readonly #resolve: (body: ResponseBody) => void;
  readonly #reject: (error: Error) => void;
  #state = WAITING;
  #rawHeaders: Buffer[] | undefined;
  #headerText: string[] | undefined;
  #abort: ((error: Error) => void) | undefined;
  #resumeSocket: (() => void) | undefined;
  #reused = false;
  #retried = false;
  #decoder: StringDecoder | undefined;
  #sink: BodySink | undefined;
  #pendingText = '';
  #pendingEnd = false;
  #pendingError: Error | undefined;
  #paused = false;

  constructor(init: DispatchInit, resolve: (body: ResponseBody) => void, reject: (error: Error) => void) {
    this.#init = init;
    this.#resolve = resolve;
    this.#reject = reject;
    init.signal?.addEventListener('abort', this.#onAbort);
  }

  /** Hands the request to undici (once, or twice for a stale connection). */
  dispatch(): void {
    this.#init.dispatcher.dispatch(this.#init.options, this);
  }

  get rawHeaders(): readonly string[] {
    this.#headerText ??= (this.#rawHeaders ?? []).map((header) => header.toString('latin1'));
    return this.#headerText;
  }

  // undici's handler callbacks.

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
    // Given up (aborted, destroyed) while it waited for a connection: it goes no further.
    if (this.#state === SETTLED) {
      abort(abortError(this.#init.signal));
      return;
    }
    whenWritten(this.#onWritten);
  }

  readonly #onWritten = (reused: boolean): void => {
    this.#reused = reused;
  };

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.#state !== WAITING) return false;
    this.#state = BODY;
    this.statusCode = statusCode;
    this.statusMessage = statusText;
    this.#rawHeaders = rawHeaders;
    this.#resumeSocket = resume;
    this.#resolve(this);
    return !this.#paused;
  }

  onData(chunk: Buffer): boolean {
    if (this.#state !== BODY) return false;
    const text = (this.#decoder ??= new StringDecoder('utf8')).write(chunk);
    if (text !== '') {
      if (this.#sink !== undefined) this.#sink.data(text);
      else this.#pendingText += text;
    }
    return !this.#paused;
  }

  onComplete(): void {
    const rest = this.#decoder?.end() ?? '';
    if (!this.#settle()) return;
    const sink = this.#sink;
    if (sink === undefined) {
      this.#pendingText += rest;
      this.#pendingEnd = true;
      return;
    }
    if (rest !== '') sink.data(rest);
    sink.end();
  }

  onError(error: Error): void {
    forgetWrite(this.#onWritten);
    if (this.#state === SETTLED) return;
    const code = (error as { code?: unknown }).code;
    if (this.#state === WAITING && this.#reused && !this.#retried && STALE_CODES.has(String(code))) {
      this.#retried = true;
      this.#reused = false;
      this.dispatch();
      return;
    }
    this.#failWith(reportedError(error, code, this.#init.timeoutMs));
  }

  // The ResponseBody the reader sees.

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
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#state === BODY) this.#resumeSocket?.();
  }

  isPaused(): boolean {
    return this.#paused;
  }

  destroy(): void {
    if (!this.#settle()) return;
    this.#sink = undefined;
    // undici closes a connection whose answer was aborted mid-way: it is never reused.
    this.#abort?.(abortError(undefined));
  }

  /** Ends the exchange's life; false if it had ended already. */
  #settle(): boolean {
    if (this.#state === SETTLED) return false;
    forgetWrite(this.#onWritten);
    this.#state = SETTLED;
    this.#init.signal?.removeEventListener('abort', this.#onAbort);
    return true;
  }

  #failWith(error: Error): void {
    const before = this.#state === WAITING;
    if (!this.#settle()) return;
    if (before) this.#reject(error);
    else if (this.#sink !== undefined) this.#sink.error(error);
    else this.#pendingError = error;
  }

  readonly #onAbort = (): void => {
    const error = abortError(this.#init.signal);
    const abort = this.#abort;
    this.#failWith(error);
    abort?.(error);
  };
}
