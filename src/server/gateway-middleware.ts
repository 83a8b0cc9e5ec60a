import type { Hono } from 'hono';
import type { GatewayServerConfig } from './contracts/gateway-config.js';
import type { ListeningServer } from './gateway-app.js';
import type { GatewayMetrics } from './metrics/create-gateway-metrics.js';
import { createMetricsMiddleware, METRICS_PATH } from './metrics/metrics-routes.js';
import { createAccessLogMiddleware } from './http/access-log-middleware.js';
import { createCorsMiddleware } from './http/cors-middleware.js';
import { createHostGuard, isLoopbackHost } from './http/host-guard-middleware.js';
import { chainMiddleware } from './http/chain-middleware.js';
import { isHttpError } from '../core/http-error.js';
import { createTraceContextMiddleware } from './http/trace-context-middleware.js';

/**
 * The `origin` option of Hono's `cors()`: it matches an array literally, so a `'*'` entry (the
 * documented "allow any origin") must become the wildcard string or no origin would be allowed.
 */
const toCorsOrigin = (origins: readonly string[]): string | string[] =>
  origins.includes('*') ? '*' : [...origins];

/** What `useGatewayMiddleware` needs from the app. */
export interface GatewayMiddlewareOptions {
  config: GatewayServerConfig;
  /** The app's metrics, once started (undefined before, or when metrics are off). */
  metrics: () => GatewayMetrics | undefined;
  /** The servers the app listens on (the host guard is on when all of them are loopback). */
  listeners: ReadonlySet<ListeningServer>;
  report: (error: unknown, where: string) => void;
}

/** A read of the metrics (`GET`, or `HEAD`, which Hono answers with the `GET` route). */
const isMetricsRead = (method: string, path: string): boolean =>
  path === METRICS_PATH && (method === 'GET' || method === 'HEAD');

/**
 * Installs the gateway's middleware, in order: trace context, access log, metrics when enabled,
 * the host guard (these as one layer, `chainMiddleware`), CORS when origins are listed (not on a
 * read of `GET /metrics`, which the route table mounts); and the error handler that answers `HttpError`s, closed requests (499) and
 * anything else (500, reported). The app's `fetch` settles the `Connection` header of the answer
 * (`settleConnectionHeader`).
 */
export function useGatewayMiddleware(hono: Hono, options: GatewayMiddlewareOptions): void {
  const { config, report } = options;
  // Asked on every request: a listener's host is looked at once.
  const loopbackHosts = new Map<string, boolean>();
  const isLoopback = (host: string): boolean => {
    let loopback = loopbackHosts.get(host);
    if (loopback === undefined) {
      loopback = isLoopbackHost(host);
      loopbackHosts.set(host, loopback);
    }
    return loopback;
  };
  const onLoopbackOnly = (): boolean => {
    if (options.listeners.size === 0) return false;
    for (const server of options.listeners) if (!isLoopback(server.host)) return false;
    return true;
  };
  const metricsSetting = config.metrics === false ? undefined : config.metrics;
  // One layer for what runs on every request, in this order: trace context (callers' is trusted
  // only where every caller is on this machine, unless told), access log, metrics when enabled,
  // then the host guard.
  hono.use(
    '*',
    chainMiddleware(
      [
        createTraceContextMiddleware({
          isTrusted: () => config.tracing?.trustIncomingContext ?? onLoopbackOnly(),
        }),
        createAccessLogMiddleware(config.logger),
        ...(metricsSetting === undefined ? [] : [createMetricsMiddleware(options.metrics)]),
      ],
      createHostGuard({
        allowedHosts: config.allowedHosts ?? [],
        isEnforced: () => config.allowedHosts !== undefined || onLoopbackOnly(),
      }),
    ),
  );
  // No origin is allowed unless listed: without CORS headers a browser shows no answer to a
  // page of another origin, and the JSON-only bodies make it ask (preflight) before posting.
  // The metrics are for a scraper, not a page: their answer never carries CORS headers (the
  // route table mounts `GET /metrics` behind the host guard, with the other routes).
  const { cors } = config;
  if (cors.origins.length > 0) {
    hono.use(
      '*',
      createCorsMiddleware(
        {
          origin: toCorsOrigin(cors.origins),
          allowHeaders: cors.allowHeaders,
          allowMethods: cors.allowMethods,
          credentials: false,
        },
        metricsSetting === undefined ? undefined : isMetricsRead,
      ),
    );
  }
  hono.onError((error, context) => {
    if (isHttpError(error)) return error.toResponse();
    // A client that closed its request (a slow body, a dropped connection) is not a failure
    // of ours: logging each with a stack would let any client flood the log.
    if (context.req.raw.signal.aborted) {
      config.logger.debug('request closed by the client', {
        method: context.req.method,
        path: context.req.path,
      });
      return Response.json({ detail: 'Client closed request' }, { status: 499 });
    }
    report(error, 'request');
    return Response.json({ detail: 'Internal server error' }, { status: 500 });
  });
}
