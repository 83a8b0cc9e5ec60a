import { ServerResponse } from 'node:http';
import { destroySoon } from './destroy-soon.js';

/** The Node response behind each request served by `listen()` (absent when embedded elsewhere). */
const responses = new WeakMap<Request, { destroy(): void }>();

/** Remembers the Node response that answers `request` (called by the Node listener). */
export function rememberNodeResponse(request: Request, response: { destroy(): void }): void {
  responses.set(request, response);
}

/**
 * Closes the connection that carries `request`'s response, discarding what is still buffered
 * for it (in a later turn of the event loop: `destroySoon`). A web-standard stream cannot do this by itself: the Node adapter stops
 * reading the stream while the socket's buffer is full, so for a client that has stopped
 * reading nothing would ever notice the stream's end. Does nothing for requests served by
 * another server (the app mounted through `fetch`) and returns false: the stream's own end
 * then has to do.
 */
export function dropConnectionOf(request: Request): boolean {
  const response = responses.get(request);
  if (response !== undefined) destroySoon(response);
  return response !== undefined;
}

/**
 * The HTTP/1 Node response that answers `request` when `listen()` serves it, so that a stream
 * can be written to it directly; undefined for requests served by another server (the app
 * mounted through `fetch`) and for HTTP/2.
 */
export function nodeResponseOf(request: Request): ServerResponse | undefined {
  const response = responses.get(request);
  return response instanceof ServerResponse ? response : undefined;
}
