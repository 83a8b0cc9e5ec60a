import { ToolError } from '../core/tool.js';
import type { ToolContext, ToolHandler, ToolOutcome } from '../core/tool.js';
import type { ToolResolver } from './tool-resolver.js';
import { cancelledFailure, describeThrown, failureFromPayload, toolFailure } from './tool-failure.js';

/**
 * Runs tools implemented in-process by `ToolHandler` functions.
 *
 * The handler contract is deliberately single: return the result (any JSON-serialisable value;
 * `undefined` becomes `null`) or throw. A thrown `ToolError` keeps its code; anything else
 * becomes `tool_error`; a throw after the call's signal aborted is `cancelled`. Python-style
 * `(result, error)` tuples are not recognised — a returned array is just a result.
 */
export function createLocalToolResolver(handlers: ReadonlyMap<string, ToolHandler>): ToolResolver {
  return {
    location: 'backend',
    hasTool(name) {
      return handlers.has(name);
    },
    async execute(input, context) {
      const handler = handlers.get(context.toolName);
      if (handler === undefined) {
        return toolFailure('unknown_tool', `Unknown tool: ${context.toolName}`);
      }
      return runHandler(handler, input, context);
    },
  };
}

async function runHandler(
  handler: ToolHandler,
  input: Record<string, unknown>,
  context: ToolContext,
): Promise<ToolOutcome> {
  try {
    const result: unknown = await handler(input, context);
    return { ok: true, result: result === undefined ? null : result, server: null };
  } catch (thrown) {
    if (context.signal.aborted) return cancelledFailure();
    if (thrown instanceof ToolError) return failureFromPayload(thrown.toPayload());
    return toolFailure('tool_error', describeThrown(thrown));
  }
}
