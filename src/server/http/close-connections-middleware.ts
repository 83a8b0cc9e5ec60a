import type { MiddlewareHandler } from 'hono';

/**
 * While `isClosing()` holds, every response asks its client to close the connection
 * (`Connection: close`), so keep-alive clients reconnect, through their load balancer, to an
 * instance that is not going away.
 */
export function createCloseConnectionsMiddleware(isClosing: () => boolean): MiddlewareHandler {
  return async (context, next) => {
    await next();
    if (!isClosing()) return;
    try {
      context.res.headers.set('connection', 'close');
    } catch {
      // A response with immutable headers (Response.error()): it ends its connection anyway.
    }
  };
}
