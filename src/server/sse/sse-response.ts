import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { nodeResponseOf } from '../connections/connection-of-request.js';
import { destroySoon } from '../connections/destroy-soon.js';
import {
  alreadySent,
  directStreamOf,
  directStreamResponse,
  isUntouchedDirectStreamResponse,
  setDirectStreamOf,
  type DirectStream,
} from '../connections/direct-stream-of-request.js';
import type { SseSession, SseSink, SseStreamOptions } from './sse-session-contract.js';
import { startSseSession } from './sse-session.js';
import { createSseStream } from './sse-stream.js';
import { writeChunkDirect } from './write-chunk-direct.js';

/** Marks a route's response whose body is being written to the Node response directly. */
const DIRECT_STREAM_HEADER = 'x-gateway-direct-stream';

/**
 * How long the response head may wait for the first frame. A reply that starts within it leaves
 * with its head in one write; a slower one (a real model's first token) gets its head then.
 */
const HEAD_GRACE_MS = 25;

/**
 * An event-stream response to `request`. Served by `listen()` (HTTP/1), the frames are written
 * to the Node response directly — no web stream between the run and the socket, frames of one
 * event-loop turn in one write, the head sent with the first frames — and the `Response`
 * returned here only carries the status and headers through the middleware; `settleSseResponse`
 * hands the final head to the writer. Anywhere else the body is a `ReadableStream`
 * (`createSseStream`). Both follow the same rules (backpressure, heartbeats, release).
 * `extra` adds headers of this response alone (a budget's `x-budget-*`) to the shared `headers`:
 * given here, they cost two small copies, where setting them on the returned response would
 * make its head be read back from `Headers`.
 */
export function sseResponse(
  request: Request,
  options: SseStreamOptions,
  headers: Readonly<Record<string, string>>,
  extra?: Readonly<Record<string, string>>,
): Response {
  const outgoing = nodeResponseOf(request);
  if (outgoing === undefined || outgoing.headersSent || directStreamOf(request) !== undefined) {
    const all = extra === undefined ? headers : Object.assign({}, headers, extra);
    return new Response(createSseStream(options), { status: 200, headers: all });
  }
  const shared = markedInitOf(headers);
  // `Object.assign`, not spreads: with a budget's three headers, the two spreads took 3.7-4.2 µs
  // a chat in a micro-benchmark, `Object.assign` 0.26.
  const marked =
    extra === undefined
      ? shared
      : {
          init: { status: 200, headers: Object.assign({}, shared.init.headers, extra) },
          head: Object.assign({}, shared.head, extra),
        };
  const stream = new DirectStreamWriter(outgoing, options, marked);
  setDirectStreamOf(request, stream);
  return stream.response;
}

/**
 * The init of a direct stream's `Response` (`headers` plus the direct-stream marker) and the
 * Node head it stands for while nothing changes it (`toNodeHeaders` of it), made once per
 * (constant) set of headers. Shared: a `Response` only reads its init, the head is copied.
 */
interface MarkedInit {
  init: { status: number; headers: Record<string, string> };
  head: OutgoingHttpHeaders;
}

const markedInits = new WeakMap<Readonly<Record<string, string>>, MarkedInit>();

function markedInitOf(headers: Readonly<Record<string, string>>): MarkedInit {
  let marked = markedInits.get(headers);
  if (marked === undefined) {
    const init = { status: 200, headers: { ...headers, [DIRECT_STREAM_HEADER]: '1' } };
    marked = { init, head: toNodeHeaders(new Headers(init.headers)) };
    markedInits.set(headers, marked);
  }
  return marked;
}

/**
 * Called with the app's final response to `request`: when it is a direct stream's, its writer
 * gets the head and the adapter is told that the response is already being sent; a direct
 * stream whose response was replaced (an error after the route) is stopped. Other responses
 * pass through.
 */
export function settleSseResponse(request: Request, response: Response): Response {
  const direct = directStreamOf(request);
  if (direct === undefined) return response;
  setDirectStreamOf(request, undefined);
  if (response === direct.response && isUntouchedDirectStreamResponse(response)) {
    // Nothing read its headers, so nothing changed them: the head it was made with.
    direct.begin(response.status, direct.untouchedHead());
    return alreadySent();
  }
  if (response !== direct.response && response.headers.get(DIRECT_STREAM_HEADER) === null) {
    direct.cancel();
    return response;
  }
  direct.begin(response.status, toNodeHeaders(response.headers));
  return alreadySent();
}

/** Stops a direct stream whose request failed before its response was settled. */
export function abandonSseResponse(request: Request): void {
  const direct = directStreamOf(request);
  if (direct === undefined) return;
  setDirectStreamOf(request, undefined);
  direct.cancel();
}

/** A chunk's size as Node counts it in `writableLength`: a string's length, bytes otherwise. */
const sizeOf = (chunk: string | Uint8Array): number =>
  typeof chunk === 'string' ? chunk.length : chunk.byteLength;

/**
 * The final response's headers for Node, without the marker and without `Connection`: Node
 * writes that itself (`keep-alive`, or `close` on the last response a socket carries,
 * `maxRequestsPerSocket`); the stream's own `keep-alive` would override it and send the
 * client's next request to a socket about to close (503). `Headers` names are lower case.
 */
function toNodeHeaders(headers: Headers): OutgoingHttpHeaders {
  const record: OutgoingHttpHeaders = {};
  let cookies = false;
  // `forEach` rather than the iterator: no [name, value] pair per header.
  headers.forEach((value, name) => {
    if (name === 'set-cookie') cookies = true;
    else if (name !== DIRECT_STREAM_HEADER && name !== 'connection') record[name] = value;
  });
  if (cookies) record['set-cookie'] = headers.getSetCookie();
  return record;
}

/** The grace timer's callback: no frame yet, the head leaves alone. */
function graceOver(stream: DirectStreamWriter): void {
  stream.endGrace();
}

/**
 * A stream written to a Node response: the session's sink, and the `DirectStream` that waits
 * for the head. An object with fields rather than a closure per callback: a stream per chat
 * makes it hot.
 */
class DirectStreamWriter implements DirectStream, SseSink {
  readonly response: Response;
  private readonly session: SseSession;
  /** The final response's head, once known. */
  private status = 200;
  private headers: OutgoingHttpHeaders | undefined = undefined;
  /** Frames that arrived before the head was known, and their size. */
  private buffered: Array<string | Uint8Array> | undefined = undefined;
  private bufferedSize = 0;
  private bufferedEnd = false;
  private graceIsOver = false;
  private readonly grace: ReturnType<typeof setTimeout>;

  constructor(
    private readonly outgoing: ServerResponse,
    options: SseStreamOptions,
    private readonly marked: MarkedInit,
  ) {
    this.response = directStreamResponse(marked.init);
    // No frame within the grace: the head (and a held `retry:` line) leaves alone, so that the
    // client sees its response start while the model thinks.
    this.grace = setTimeout(graceOver, HEAD_GRACE_MS, this);
    this.grace.unref();
    this.session = startSseSession(options, this, { holdPreamble: true });
  }

  endGrace(): void {
    this.graceIsOver = true;
    this.session.flush();
    this.sendHeadAlone();
  }

  begin(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
    const held = this.buffered;
    if (held !== undefined || this.bufferedEnd) {
      const heldEnd = this.bufferedEnd;
      this.buffered = undefined;
      this.bufferedSize = 0;
      if (held === undefined || held.length === 0) this.writeOut('', heldEnd);
      else held.forEach((chunk, index) => this.writeOut(chunk, heldEnd && index === held.length - 1));
    } else if (this.graceIsOver) {
      this.sendHeadAlone();
    }
  }

  untouchedHead(): OutgoingHttpHeaders {
    return { ...this.marked.head };
  }

  cancel(): void {
    clearTimeout(this.grace);
    this.session.stop();
  }

  write(chunk: string | Uint8Array, end: boolean): number {
    const size = sizeOf(chunk);
    if (this.headers === undefined) {
      if (size > 0) (this.buffered ??= []).push(chunk);
      this.bufferedSize += size;
      this.bufferedEnd ||= end;
    } else {
      this.writeOut(chunk, end);
    }
    return size;
  }

  // Node counts a string write by its length, so `held` is counted the same way.
  unsentBytes(): number {
    return this.outgoing.writableLength + this.bufferedSize;
  }

  end(): void {
    if (this.headers === undefined) this.bufferedEnd = true;
    else this.writeOut('', true);
  }

  drop(): void {
    this.buffered = undefined;
    this.bufferedSize = 0;
    destroySoon(this.outgoing);
  }

  private open(): boolean {
    return !this.outgoing.destroyed && !this.outgoing.writableEnded;
  }

  private writeOut(chunk: string | Uint8Array, end: boolean): void {
    const outgoing = this.outgoing;
    if (this.headers === undefined || !this.open()) return;
    if (!outgoing.headersSent) {
      clearTimeout(this.grace);
      outgoing.writeHead(this.status, this.headers);
    }
    const empty = sizeOf(chunk) === 0;
    if (end) outgoing.end(empty ? undefined : chunk);
    else if (!empty && (typeof chunk !== 'string' || !writeChunkDirect(outgoing, chunk)))
      outgoing.write(chunk);
  }

  private sendHeadAlone(): void {
    if (this.headers !== undefined && this.open() && !this.outgoing.headersSent) {
      this.outgoing.writeHead(this.status, this.headers);
      this.outgoing.flushHeaders();
    }
  }
}
