import type { MiddlewareHandler } from 'hono';
import type { RouteHandler } from '../http/route-handler.js';
import { timingSafeEqual } from 'node:crypto';
import { routeLabel } from '../http/route-label.js';
import type { GatewayMetrics } from './create-gateway-metrics.js';

/**
 * Records every request (method, matched route pattern, status, time to headers) once the
 * metrics are loaded; requests no route matched are labelled `unmatched`, so scanners cannot
 * grow the label set.
 */
export function createMetricsMiddleware(metrics: () => GatewayMetrics | undefined): MiddlewareHandler {
  return async (context, next) => {
    const started = performance.now();
    await next();
    const recorder = metrics();
    if (recorder === undefined) return;
    recorder.recordRequest(
      context.req.method,
      routeLabel(context),
      context.res.status,
      (performance.now() - started) / 1000,
    );
  };
}

const sameToken = (expected: string, given: string): boolean => {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Where the metrics are served (at the root, outside the prefix). */
export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics`: the Prometheus text exposition. With a `token`, the scraper must send
 * `Authorization: Bearer <token>` (401 otherwise); the session tokens of chat clients are not
 * accepted here.
 */
export function createMetricsHandler(
  metrics: () => GatewayMetrics | undefined,
  token: string | undefined,
): RouteHandler {
  return async (context) => {
    if (token !== undefined) {
      const header = context.req.header('authorization') ?? '';
      if (!header.startsWith('Bearer ') || !sameToken(token, header.slice('Bearer '.length))) {
        return context.json({ detail: 'Invalid metrics token' }, 401);
      }
    }
    const recorder = metrics();
    if (recorder === undefined) return context.json({ detail: 'Metrics are not loaded yet' }, 503);
    const { contentType, body } = await recorder.render();
    return context.body(body, 200, { 'content-type': contentType });
  };
}
