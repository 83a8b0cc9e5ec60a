import { context as otelContext, propagation, type TextMapGetter } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * Continues the caller's trace: the request is handled in the context its `traceparent` (and
 * `tracestate`, `baggage`) describe, so a run it starts is a child of the caller's span. Without
 * a registered OpenTelemetry SDK the propagator is a no-op and nothing changes.
 */
export function createTraceContextMiddleware(): MiddlewareHandler {
  return async (context, next) => {
    if (!context.req.raw.headers.has('traceparent')) return next();
    const parent = propagation.extract(otelContext.active(), context.req.raw.headers, headerGetter);
    await otelContext.with(parent, next);
  };
}
