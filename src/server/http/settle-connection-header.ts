import { isDirectStreamResponse } from '../connections/direct-stream-of-request.js';

/**
 * Sets the `Connection` header of the app's final answer to `request`. It leaves `Connection` to
 * Node, which writes `keep-alive`, or `close` on the last response a socket carries
 * (`maxRequestsPerSocket`): a library's own `Connection: keep-alive` (the MCP SDK's event
 * streams set one) would override that and send the client's next request to a socket about to
 * close (503). While `closing` holds, every response asks its client to close the connection
 * (`Connection: close`), so keep-alive clients reconnect, through their load balancer, to an
 * instance that is not going away. An event stream written to the Node response directly
 * (`sseResponse`) is left alone: its writer leaves `Connection` to Node (and `listen()` closes
 * idle connections after it while closing), and reading its headers would turn its plain header
 * object into a `Headers` on every chat.
 *
 * Why not a middleware: run by the app's `fetch` on Hono's answer, it sees the same final
 * response (error pages and 404s included) without a middleware layer's async frame and
 * closures on every request.
 */
export function settleConnectionHeader(request: Request, response: Response, closing: boolean): void {
  if (isDirectStreamResponse(request, response)) return;
  try {
    if (closing) response.headers.set('connection', 'close');
    else if (response.headers.get('connection')?.toLowerCase() === 'keep-alive') {
      response.headers.delete('connection');
    }
  } catch {
    // A response with immutable headers (Response.error()): it ends its connection anyway.
  }
}
