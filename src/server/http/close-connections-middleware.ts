import type { MiddlewareHandler } from 'hono';
import { isDirectStreamResponse } from '../connections/direct-stream-of-request.js';

/**
 * Leaves the `Connection` header to Node, which writes `keep-alive`, or `close` on the last
 * response a socket carries (`maxRequestsPerSocket`): a library's own `Connection: keep-alive`
 * (the MCP SDK's event streams set one) would override that and send the client's next request
 * to a socket about to close (503). While `isClosing()` holds, every response asks its client to
 * close the connection (`Connection: close`), so keep-alive clients reconnect, through their
 * load balancer, to an instance that is not going away. An event stream written to the Node
 * response directly (`sseResponse`) is left alone: its writer leaves `Connection` to Node (and
 * `listen()` closes idle connections after it while closing), and reading its headers would turn
 * its plain header object into a `Headers` on every chat.
 */
export function createCloseConnectionsMiddleware(isClosing: () => boolean): MiddlewareHandler {
  return async (context, next) => {
    await next();
    if (isDirectStreamResponse(context.req.raw, context.res)) return;
    try {
      if (isClosing()) context.res.headers.set('connection', 'close');
      else if (context.res.headers.get('connection')?.toLowerCase() === 'keep-alive') {
        context.res.headers.delete('connection');
      }
    } catch {
      // A response with immutable headers (Response.error()): it ends its connection anyway.
    }
  };
}
