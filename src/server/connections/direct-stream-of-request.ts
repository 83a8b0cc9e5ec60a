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
