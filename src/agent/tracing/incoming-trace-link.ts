import { createContextKey, type Context, type SpanContext } from '@opentelemetry/api';

const INCOMING_TRACE_LINK = createContextKey('ai-agent-gateway.incoming-trace-link');

/**
 * `context` carrying a caller's span context as a link only: a run started in it begins a trace
 * of its own (sampled by the gateway's sampler, not the caller's flag) and links to the caller's
 * span, so the two traces can still be found from each other.
 */
export function withIncomingTraceLink(context: Context, caller: SpanContext): Context {
  return context.setValue(INCOMING_TRACE_LINK, caller);
}

/** The caller's span context `withIncomingTraceLink` put in `context`, if any. */
export function incomingTraceLinkOf(context: Context): SpanContext | undefined {
  return context.getValue(INCOMING_TRACE_LINK) as SpanContext | undefined;
}
