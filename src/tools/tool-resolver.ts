import type { ExecutionLocation, ToolContext, ToolOutcome } from '../core/tool.js';

/**
 * One place a tool call can be executed (local handlers, remote MCP servers, later client-side
 * tools). The dispatcher asks its resolvers in order and the first that has the tool runs it,
 * so adding a source is adding a resolver, not editing the pipeline.
 */
export interface ToolResolver {
  /** Where this resolver's tools run; reported by `executionLocation(name)`. */
  readonly location: ExecutionLocation;
  hasTool(name: string): boolean;
  /** Runs the call; resolves with a failure outcome instead of rejecting. */
  execute(input: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome>;
}
