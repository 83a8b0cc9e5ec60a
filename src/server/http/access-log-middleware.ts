import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../core/logger.js';
import type { SessionRecord } from '../../core/stores.js';
import { routeLabel } from './route-label.js';
import { boundedMemo } from '../contracts/bounded-memo.js';
import { isDirectStreamResponse } from '../connections/direct-stream-of-request.js';

/** The probes' routes (`/health`, `/health/live`, `/health/ready`): logged at debug when they answer 200. */
const PROBE_ROUTE = /\/health(\/live|\/ready)?$/;
/** A short, stable stand-in for a session id in access lines (the id itself stays out). */
export const sessionHash: (sessionId: string) => string = boundedMemo(10_000, (sessionId) =>
  createHash('sha256').update(sessionId).digest('hex').slice(0, 12),
);

/**
 * The size of a response body: its `content-length`, else the length of a small JSON or text
 * body read from a copy; undefined for streams (SSE), which are still being written. An event
 * stream written to the Node response directly (every chat's) is told by its request, without
 * reading its headers (which would build a `Headers` of them).
 */
function bodyBytes(request: Request, response: Response): number | undefined | Promise<number> {
  if (isDirectStreamResponse(request, response)) return undefined;
  const length = response.headers.get('content-length');
  if (length !== null) return Number(length);
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) return undefined;
  if (response.body === null) return 0;
  if (!/json|text|javascript/.test(type)) return undefined;
  // Only a body still to measure waits (a stream's line, every chat's, does not).
  return response
    .clone()
    .arrayBuffer()
    .then((buffer) => buffer.byteLength);
}

/**
 * One `info` line per request once its response starts: method, route pattern (not the raw
 * path), status, time to the response in ms, body bytes (not for streams) and a
 * hash of the session id when the request carried a valid session. Successful health checks
 * and requests the client abandoned log at `debug`.
 */
export function createAccessLogMiddleware(
  logger: Logger,
): MiddlewareHandler<{ Variables: { session?: SessionRecord } }> {
  return async (context, next) => {
    const started = performance.now();
    await next();
    // A logger that writes neither level costs this middleware nothing but the check.
    if (logger.enabled?.('info') === false && logger.enabled('debug') === false) return;
    const route = routeLabel(context);
    const measured = bodyBytes(context.req.raw, context.res);
    const bytes = typeof measured === 'object' ? await measured : measured;
    const session = context.get('session');
    // Probes and requests the client abandoned (a dropped body) would drown the rest.
    const quiet =
      (PROBE_ROUTE.test(route) && context.res.status === 200) ||
      context.res.status === 499 ||
      context.req.raw.signal.aborted;
    const level = quiet ? 'debug' : 'info';
    // One object in the line's field order, the optional fields last: nothing spread per request.
    const line: Record<string, unknown> = {
      method: context.req.method,
      route,
      status: context.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (bytes !== undefined) line['bytes'] = bytes;
    if (session !== undefined) line['session'] = sessionHash(session.sessionId);
    logger[level]('request', line);
  };
}
