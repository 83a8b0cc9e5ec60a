import type { OutgoingHttpHeaders } from 'node:http';
import { createRequestSlot } from './request-slot.js';

/**
 * A response whose body is written to the Node response directly (an event stream,
 * `sseResponse`), waiting for the head the app finally answers with: the `Response` the route
 * returned only carries its status and headers through the middleware.
 */
export interface DirectStream {
  /** The response the route returned for it. */
  readonly response: Response;
  /** The head `response` was made with (a copy of it), for Node. */
  untouchedHead(): OutgoingHttpHeaders;
  /** The app's final response is `response` (or carries its marker): write with its head. */
  begin(status: number, headers: OutgoingHttpHeaders): void;
  /** The app answered something else (an error page): the stream never starts. */
  cancel(): void;
}

/** The direct stream waiting for its request's final response, if any. */
const directStreams = createRequestSlot<DirectStream | undefined>('directStream');

/** The direct stream of `request` still waiting for its head; undefined when there is none. */
export function directStreamOf(request: Request): DirectStream | undefined {
  return directStreams.get(request);
}

/** Records (or, with undefined, forgets) the direct stream of `request`. */
export function setDirectStreamOf(request: Request, stream: DirectStream | undefined): void {
  directStreams.set(request, stream);
}

/**
 * Whether `response` is the one a direct stream returned for `request`: its head is written by
 * the stream's writer, which leaves `Connection` to Node, and its body is not in the `Response`.
 * A middleware can then leave its headers alone (reading them turns the plain header object
 * into a `Headers` on every such response).
 */
export function isDirectStreamResponse(request: Request, response: Response): boolean {
  return directStreams.get(request)?.response === response;
}

/** Marks a direct stream's `Response` whose `headers` something read (and may have changed). */
const headersRead = Symbol('headersRead');

/** A `Response` subclass that remembers whether its `headers` were read. */
type DirectStreamResponseClass = new (init: ResponseInit) => Response & { [headersRead]?: true };

let directClass: DirectStreamResponseClass | undefined;
let directClassBase: typeof Response | undefined;

/**
 * The class of direct streams' responses, extending the global `Response` of now: the Node
 * adapter replaces it with its lightweight one when `listen()` starts, and a response made from
 * the lightweight class stays on the adapter's fast path.
 */
function directStreamResponseClass(): DirectStreamResponseClass {
  const base = globalThis.Response;
  if (directClass !== undefined && directClassBase === base) return directClass;
  class DirectStreamResponse extends base {
    declare [headersRead]?: true;
    constructor(init: ResponseInit) {
      super(null, init);
    }
  }
  Object.defineProperty(DirectStreamResponse.prototype, 'headers', {
    get(this: DirectStreamResponse): Headers {
      this[headersRead] = true;
      return Reflect.get<Response, 'headers'>(base.prototype, 'headers', this);
    },
  });
  directClass = DirectStreamResponse;
  directClassBase = base;
  return directClass;
}

/**
 * The `Response` a direct stream returns for the middleware to see: status and headers of
 * `init`, no body (the body goes to the Node response). Until something reads its `headers`,
 * its head is `init`'s as it is (`untouchedHead`), so that the head is written without
 * building a `Headers` on every chat.
 */
export function directStreamResponse(init: ResponseInit): Response {
  return new (directStreamResponseClass())(init);
}

/**
 * Whether `response` is a direct stream's response whose `headers` nothing has read: its head
 * is then still the one it was made with.
 */
export function isUntouchedDirectStreamResponse(response: Response): boolean {
  return (
    directClass !== undefined &&
    response instanceof directClass &&
    (response as { [headersRead]?: true })[headersRead] !== true
  );
}

let alreadySentResponse: Response | undefined;

/**
 * The response that tells `@hono/node-server` the app wrote the answer itself (its
 * `x-hono-already-sent` header); `listen()` recognises it (`isAlreadySent`) and has the adapter
 * write nothing. Reading `body` turns the adapter's lightweight `Response` (when it replaced the
 * global one) into a full one, which is where the adapter looks for the header. Shared: nothing
 * but the adapter ever sees it, and it only reads it.
 */
export function alreadySent(): Response {
  if (alreadySentResponse === undefined) {
    alreadySentResponse = new Response(null, { headers: { 'x-hono-already-sent': 'true' } });
    void alreadySentResponse.body;
  }
  return alreadySentResponse;
}

/** Whether `response` is `alreadySent()`'s: the answer is being written to the Node response. */
export const isAlreadySent = (response: Response): boolean =>
  alreadySentResponse !== undefined && response === alreadySentResponse;
