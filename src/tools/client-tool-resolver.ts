import type { ToolCall, ToolOutcome } from '../core/tool.js';
import type { ToolResolver } from './tool-resolver.js';
import { cancelledFailure, describeThrown, toolFailure } from './tool-failure.js';

/**
 * Hands a call to the client: the transport announces it (`tool_call_start` with
 * `execution_location: "client"`) and resolves when the client answers or the wait expires.
 */
export type RequestClientToolResult = (call: ToolCall, signal: AbortSignal) => Promise<ToolOutcome>;

/**
 * Runs tools that execute in the client (a browser, a desktop app): the run pauses until the
 * client posts the result. Names are the declared client tools; no handler exists server-side.
 */
export function createClientToolResolver(
  names: ReadonlySet<string>,
  requestResult: RequestClientToolResult | undefined,
): ToolResolver {
  return {
    location: 'client',
    hasTool(name) {
      return names.has(name);
    },
    async execute(input, context) {
      if (requestResult === undefined) {
        return toolFailure(
          'client_tool_unavailable',
          `Tool '${context.toolName}' runs in the client, but no client transport is configured`,
        );
      }
      try {
        return await requestResult(
          { id: context.toolCallId, name: context.toolName, input, callIndex: context.callIndex },
          context.signal,
        );
      } catch (thrown) {
        if (context.signal.aborted) return cancelledFailure();
        return toolFailure('tool_error', describeThrown(thrown));
      }
    },
  };
}
