import { createAdaptorServer } from '@hono/node-server';
import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import type { ListeningServer } from './gateway-app.js';
import type { ListenAddress } from './listen-options.js';
import { rememberNodeResponse } from './connections/connection-of-request.js';
import { isAlreadySent } from './connections/direct-stream-of-request.js';
import { createConnectionGuard } from './connections/connection-guard.js';
import { connectionSettingsOf, type ConnectionSettings } from './connections/connection-options.js';
import { readOpenFileLimit } from './connections/open-file-limit.js';

/** How long `close()` lets open connections finish before dropping them. */
const CLOSE_GRACE_MS = 5_000;
/** How long `close()` lets a connection that has not sent a byte yet send its request. */
const SILENT_GRACE_MS = 1_000;
/** How often `close()` looks whether the silent connections have spoken. */
const SILENT_POLL_MS = 20;

/**
 * Resolves once none of `sockets` is open and silent (no byte read yet), or after `graceMs`.
 * Polled: the HTTP parser reads the socket itself, so no `data` event tells.
 */
const untilSpoken = async (sockets: ReadonlySet<Socket>, graceMs: number): Promise<void> => {
  const deadline = performance.now() + graceMs;
  const silent = (): boolean => [...sockets].some((socket) => socket.bytesRead === 0 && !socket.destroyed);
  while (silent() && performance.now() < deadline) await delay(SILENT_POLL_MS);
};

/**
 * The app's answer for the adapter to write; for an answer the app writes to the Node response
 * itself (an event stream, `alreadySent()`), a promise that never settles: the adapter then has
 * nothing to do, where the response it would be handed costs it a walk of its headers on every
 * chat. Nothing holds that promise but the adapter's own frames, which are collected with it;
 * the adapter's close handler (which aborts `request.signal`) is in place before it waits.
 */
const unlessAlreadySent = (response: Response): Response | Promise<Response> =>
  isAlreadySent(response) ? new Promise<Response>(() => undefined) : response;

/**
 * Serves a fetch handler on a Node HTTP server bound to `host:port` (`listen()`'s checked options),
 * with the timeouts and connection caps of `connections` (the `server` group's; defaults for
 * those absent). Resolves once the socket is listening; rejects if it cannot bind.
 */
export async function listenOnNode(
  fetchHandler: (request: Request) => Promise<Response>,
  address: ListenAddress,
  connections: Partial<ConnectionSettings> & { logger?: Pick<Logger, 'info' | 'warn'> } = {},
): Promise<ListeningServer> {
  const { host, port: requestedPort, backlog } = address;
  // Open connections, so that `close()` can drop those that never sent a byte (a browser's
  // preconnect, a client pool's spare socket): Node counts them as busy rather than idle, so
  // `server.close()` would wait until the client drops them, yet they carry no work.
  const openSockets = new Set<Socket>();
  const settings = connectionSettingsOf(connections);
  const openFileLimit = readOpenFileLimit();
  const guard = createConnectionGuard(settings, openFileLimit, connections.logger);
  let stopping = false;
  // Once the listener stops accepting, a keep-alive connection is closed the moment its
  // response ends (a stream that began before the shutdown said keep-alive in its head): a load
  // balancer that reuses it then sees the connection closed unanswered and retries elsewhere,
  // where a request answered here would get the shutting-down instance's 503.
  // One pass per turn of the event loop, however many streams end in it (a pass looks at every
  // connection): the next request on such a connection cannot arrive before that turn's end.
  let closePass: ReturnType<typeof setImmediate> | undefined;
  const closeIfStopping = (): void => {
    if (!stopping || closePass !== undefined) return;
    closePass = setImmediate(() => {
      closePass = undefined;
      server.closeIdleConnections();
    });
  };
  const server = await new Promise<Server>((resolve, reject) => {
    const created = createAdaptorServer({
      fetch: (request: Request, bindings: HttpBindings | Http2Bindings) => {
        rememberNodeResponse(request, bindings.outgoing);
        // `on`, not `once`: a response finishes once, and `once` costs a wrapper per request.
        if (bindings.outgoing instanceof ServerResponse) bindings.outgoing.on('finish', closeIfStopping);
        if (bindings.incoming instanceof IncomingMessage && bindings.outgoing instanceof ServerResponse) {
          const refusal = guard.admit(request, bindings.incoming, bindings.outgoing);
          if (refusal !== undefined) return refusal;
        }
        return fetchHandler(request).then(unlessAlreadySent);
      },
      hostname: host,
      serverOptions: guard.serverOptions,
    }) as Server;
    guard.attach(created);
    created.on('connection', (socket: Socket) => {
      openSockets.add(socket);
      socket.once('close', () => openSockets.delete(socket));
    });
    created.once('listening', () => resolve(created));
    created.once('error', reject);
    created.listen({ port: requestedPort, host, backlog });
  });
  const { port } = server.address() as AddressInfo;
  connections.logger?.info('connection limits', {
    port,
    ...guard.limits,
    openFileLimit,
    trustedProxies: settings.trustedProxies,
  });
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed: Promise<void> | undefined;
  const stopAccepting = (): Promise<void> => {
    stopping = true;
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    return closed;
  };
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    stopAccepting() {
      void stopAccepting();
    },
    close() {
      closing ??= (async () => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        const done = stopAccepting();
        // A connection accepted just before the listener closed may not have sent its request
        // yet (a load balancer's): it gets a moment, and is then answered (with Connection:
        // close) rather than dropped. Those still silent after that carry no work (a browser's
        // preconnect, a pool's spare socket).
        await untilSpoken(openSockets, SILENT_GRACE_MS);
        for (const socket of openSockets) if (socket.bytesRead === 0) socket.destroy();
        await done;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}
