import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../core/logger.js';
import { HttpError } from '../../core/http-error.js';
import { createAddressSlots } from './address-slots.js';
import { rememberClientAddress } from './client-address-of-request.js';
import type { ConnectionSettings } from './connection-options.js';
import { connectionCapOf } from './open-file-limit.js';
import { clientAddressBehind, createTrustedProxies, normalizeAddress } from './trusted-proxies.js';

/** The longest pause between two of Node's checks of headers and request timeouts. */
const MAX_CHECK_INTERVAL_MS = 1_000;
/** At most one warning about refused connections per this long, so a flood cannot flood the log. */
const REFUSAL_WARNING_INTERVAL_MS = 60_000;

/** The limits one listener applies, resolved from the settings and the open-file limit. */
export interface ConnectionLimits {
  /** Client connections open at once. */
  maxConnections: number | undefined;
  /** Connections (or, behind trusted proxies, requests in progress) per client address. */
  maxConnectionsPerAddress: number;
}

/** What `listen()` wires into its Node server. */
export interface ConnectionGuard {
  readonly limits: ConnectionLimits;
  /** Options of `http.createServer`: the headers, request and keep-alive timeouts. */
  readonly serverOptions: ServerOptions;
  /** Applies the caps to `server`'s connections; call once, before it listens. */
  attach(server: Server): void;
  /**
   * Admits one request: remembers its client's address and, behind a trusted proxy, takes a
   * slot of that client until the response closes. Returns the `429` to answer instead when
   * the client already holds `maxConnectionsPerAddress`.
   */
  admit(request: Request, incoming: IncomingMessage, outgoing: ServerResponse): Response | undefined;
}

/** The limits of `settings`, the total derived from `openFileLimit` unless configured. */
export function resolveConnectionLimits(
  settings: ConnectionSettings,
  openFileLimit: number | undefined,
): ConnectionLimits {
  const maxConnections =
    settings.maxConnections ?? (openFileLimit === undefined ? undefined : connectionCapOf(openFileLimit));
  // One address never holds more than half of what the listener accepts, so the other half is
  // always there for everyone else.
  const half = maxConnections === undefined ? Infinity : Math.max(1, Math.floor(maxConnections / 2));
  return { maxConnections, maxConnectionsPerAddress: Math.min(settings.maxConnectionsPerAddress, half) };
}

/**
 * Creates the guard of one listener against clients that hold connections cheaply: Node's
 * headers and request timeouts (checked every second rather than every 30 s), a timeout for
 * connections that never send a byte (Node's checks do not see them), keep-alive limits, a
 * total cap and a cap per client address. Connections from `trustedProxies` are exempt from
 * the per-address cap; the clients behind them are capped per request instead, since their
 * address is known only once the headers are read.
 */
export function createConnectionGuard(
  settings: ConnectionSettings,
  openFileLimit: number | undefined,
  logger?: Pick<Logger, 'warn'>,
): ConnectionGuard {
  const limits = resolveConnectionLimits(settings, openFileLimit);
  let lastWarning = -Infinity;
  const warnRefused = (address: string, kind: 'connections' | 'requests'): void => {
    const now = performance.now();
    if (logger === undefined || now - lastWarning < REFUSAL_WARNING_INTERVAL_MS) return;
    lastWarning = now;
    logger.warn(
      `refused ${kind} of a client address at maxConnectionsPerAddress (${limits.maxConnectionsPerAddress}); ` +
        'a proxy or load balancer in front of the gateway belongs in server.trustedProxies',
      { address },
    );
  };
  const proxies = createTrustedProxies(settings.trustedProxies);
  const connections = createAddressSlots(limits.maxConnectionsPerAddress);
  const forwardedRequests = createAddressSlots(limits.maxConnectionsPerAddress);

  const watchSilence = (socket: Socket): void => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, settings.headersTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };

  return {
    limits,
    serverOptions: {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, Math.ceil(settings.headersTimeoutMs / 4)),
    },
    attach(server) {
      server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
      if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
      server.on('connection', (socket: Socket) => {
        watchSilence(socket);
        const peer = normalizeAddress(socket.remoteAddress ?? '');
        if (peer === '' || proxies.has(peer)) return;
        const release = connections.take(peer);
        if (release === undefined) {
          socket.destroy();
          warnRefused(peer, 'connections');
          return;
        }
        socket.once('close', release);
      });
    },
    admit(request, incoming, outgoing) {
      const peer = incoming.socket.remoteAddress ?? '';
      const forwardedFor = incoming.headers['x-forwarded-for'];
      const client = clientAddressBehind(
        peer,
        Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor,
        proxies,
      );
      if (client === undefined) return undefined;
      rememberClientAddress(request, client);
      if (!proxies.has(peer)) return undefined;
      const release = forwardedRequests.take(client);
      if (release === undefined) {
        warnRefused(client, 'requests');
        return HttpError.detail(
          429,
          `Too many requests in progress from your address (at most ${limits.maxConnectionsPerAddress})`,
          { headers: { 'retry-after': '1' } },
        ).toResponse();
      }
      outgoing.once('close', release);
      return undefined;
    },
  };
}
