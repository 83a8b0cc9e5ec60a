import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { withIncomingTraceLink } from '../../agent/tracing/incoming-trace-link.js';

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** Options of `createTraceContextMiddleware`. */
export interface TraceContextOptions {
  /** Whether callers' trace context is trusted now (see `tracing.trustIncomingContext`). */
  isTrusted: () => boolean;
}

/**
 * Reads the caller's `traceparent` (and `tracestate`, `baggage`). Trusted, the request is
 * handled in the context they describe, so a run it starts is a child of the caller's span and
 * the caller's sampled flag decides whether it is recorded. Untrusted, a run starts a trace of
 * its own, sampled by the gateway's own sampler, with the caller's span as a link: a client
 * cannot force every span to be recorded (or hide its requests from tracing), nor plant baggage.
 * Without a registered OpenTelemetry SDK the propagator is a no-op and nothing changes.
 */
export function createTraceContextMiddleware(options: TraceContextOptions): MiddlewareHandler {
  // Not `async`: a request without a trace context (most) costs no promise of its own.
  return function traceContext(context, next) {
    if (!context.req.raw.headers.has('traceparent')) return next();
    if (options.isTrusted()) {
      const parent = propagation.extract(otelContext.active(), context.req.raw.headers, headerGetter);
      return otelContext.with(parent, next);
    }
    const caller = trace.getSpanContext(
      propagation.extract(ROOT_CONTEXT, context.req.raw.headers, headerGetter),
    );
    if (caller === undefined || !trace.isSpanContextValid(caller)) return next();
    return otelContext.with(withIncomingTraceLink(otelContext.active(), caller), next);
  };
}
