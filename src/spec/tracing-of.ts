import type { AgentSpec } from './agent-spec.js';

/**
 * The runner's `tracing` setting from a spec's (content capture only: the agent name is the
 * top-level runner's, sub-agents take their skill's), as a spread-ready object.
 */
export function tracingOf(tracing: AgentSpec['tracing']): { tracing?: { captureContent: boolean } } {
  return tracing?.captureContent === undefined ? {} : { tracing: { captureContent: tracing.captureContent } };
}
