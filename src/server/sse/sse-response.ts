import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { nodeResponseOf } from '../connections/connection-of-request.js';
import { destroySoon } from '../connections/destroy-soon.js';
import { startSseSession, type SseSink, type SseStreamOptions } from './sse-session.js';
import { createSseStream } from './sse-stream.js';

/** Marks a route's response whose body is being written to the Node response directly. */
const DIRECT_STREAM_HEADER = 'x-gateway-direct-stream';

/**
 * How long the response head may wait for the first frame. A reply that starts within it leaves
 * with its head in one write; a slower one (a real model's first token) gets its head then.
 */
const HEAD_GRACE_MS = 25;

/** A stream written to a Node response, waiting for the head the app finally answers with. */
interface DirectStream {
  /** The app's response (after every middleware) carries the marker: write with its head. */
  begin(status: number, headers: OutgoingHttpHeaders): void;
  /** The app answered something else (an error page): the stream never starts. */
  cancel(): void;
}

const waiting = new WeakMap<Request, DirectStream>();

/**
 * An event-stream response to `request`. Served by `listen()` (HTTP/1), the frames are written
 * to the Node response directly — no web stream between the run and the socket, frames of one
 * event-loop turn in one write, the head sent with the first frames — and the `Response`
 * returned here only carries the status and headers through the middleware; `settleSseResponse`
 * hands the final head to the writer. Anywhere else the body is a `ReadableStream`
 * (`createSseStream`). Both follow the same rules (backpressure, heartbeats, release).
 */
export function sseResponse(
  request: Request,
  options: SseStreamOptions,
  headers: Readonly<Record<string, string>>,
): Response {
  const outgoing = nodeResponseOf(request);
  if (outgoing === undefined || outgoing.headersSent || waiting.has(request)) {
    return new Response(createSseStream(options), { status: 200, headers });
  }
  waiting.set(request, startDirectStream(outgoing, options));
  return new Response(null, { status: 200, headers: markedHeadersOf(headers) });
}

/** `headers` plus the direct-stream marker, made once per (constant) set of headers. */
const markedHeaders = new WeakMap<Readonly<Record<string, string>>, Readonly<Record<string, string>>>();

function markedHeadersOf(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let marked = markedHeaders.get(headers);
  if (marked === undefined) {
    marked = { ...headers, [DIRECT_STREAM_HEADER]: '1' };
    markedHeaders.set(headers, marked);
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
  const direct = waiting.get(request);
  if (direct === undefined) return response;
  waiting.delete(request);
  if (response.headers.get(DIRECT_STREAM_HEADER) === null) {
    direct.cancel();
    return response;
  }
  direct.begin(response.status, toNodeHeaders(response.headers));
  return alreadySent();
}

/** Stops a direct stream whose request failed before its response was settled. */
export function abandonSseResponse(request: Request): void {
  waiting.get(request)?.cancel();
  waiting.delete(request);
}

let alreadySentResponse: Response | undefined;

/**
 * The response that tells `@hono/node-server` the app wrote the answer itself (its
 * `x-hono-already-sent` header). Reading `body` turns the adapter's lightweight `Response`
 * (when it replaced the global one) into a full one, which is where the adapter looks for the
 * header. Shared: nothing but the adapter ever sees it, and it only reads it.
 */
function alreadySent(): Response {
  if (alreadySentResponse === undefined) {
    alreadySentResponse = new Response(null, { headers: { 'x-hono-already-sent': 'true' } });
    void alreadySentResponse.body;
  }
  return alreadySentResponse;
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

function startDirectStream(outgoing: ServerResponse, options: SseStreamOptions): DirectStream {
  let head: { status: number; headers: OutgoingHttpHeaders } | undefined;
  /** Frames that arrived before the head was known, and their size. */
  let held: Array<string | Uint8Array> = [];
  let heldSize = 0;
  let heldEnd = false;
  let graceOver = false;
  // No frame within the grace: the head (and a held `retry:` line) leaves alone, so that the
  // client sees its response start while the model thinks.
  const grace = setTimeout(() => {
    graceOver = true;
    session.flush();
    sendHeadAlone();
  }, HEAD_GRACE_MS);
  grace.unref();
  const open = (): boolean => !outgoing.destroyed && !outgoing.writableEnded;
  const writeOut = (chunk: string | Uint8Array, end: boolean): void => {
    if (!open() || head === undefined) return;
    if (!outgoing.headersSent) {
      clearTimeout(grace);
      outgoing.writeHead(head.status, head.headers);
    }
    const empty = sizeOf(chunk) === 0;
    if (end) outgoing.end(empty ? undefined : chunk);
    else if (!empty) outgoing.write(chunk);
  };
  const sink: SseSink = {
    write(chunk, end) {
      const size = sizeOf(chunk);
      if (head === undefined) {
        if (size > 0) held.push(chunk);
        heldSize += size;
        heldEnd ||= end;
      } else {
        writeOut(chunk, end);
      }
      return size;
    },
    // Node counts a string write by its length, so `held` is counted the same way.
    unsentBytes: () => outgoing.writableLength + heldSize,
    end() {
      if (head === undefined) heldEnd = true;
      else writeOut('', true);
    },
    drop() {
      held = [];
      heldSize = 0;
      destroySoon(outgoing);
    },
  };
  const session = startSseSession(options, sink, { holdPreamble: true });
  const sendHeadAlone = (): void => {
    if (head !== undefined && open() && !outgoing.headersSent) {
      outgoing.writeHead(head.status, head.headers);
      outgoing.flushHeaders();
    }
  };
  return {
    begin(status, headers) {
      head = { status, headers };
      if (held.length > 0 || heldEnd) {
        const chunks = held;
        held = [];
        heldSize = 0;
        chunks.forEach((chunk, index) => writeOut(chunk, heldEnd && index === chunks.length - 1));
        if (chunks.length === 0) writeOut('', heldEnd);
      } else if (graceOver) {
        sendHeadAlone();
      }
    },
    cancel() {
      clearTimeout(grace);
      session.stop();
    },
  };
}
