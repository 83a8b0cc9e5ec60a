import type { RemoteToolSource } from '../core/tool.js';
import type { ToolResolver } from './tool-resolver.js';
import { cancelledFailure, describeThrown, toolFailure } from './tool-failure.js';

/**
 * Runs tools offered by a `RemoteToolSource` (the MCP client manager). The source's outcome,
 * including the `server` that answered, passes through untouched; a source that breaks its
 * never-throw contract still yields a `tool_error` outcome naming its server.
 */
export function createRemoteToolResolver(remote: RemoteToolSource): ToolResolver {
  return {
    location: 'backend',
    hasTool(name) {
      return remote.hasTool(name);
    },
    async execute(input, context) {
      try {
        return await remote.callTool(context.toolName, input, context.signal, {
          sessionId: context.sessionId,
        });
      } catch (thrown) {
        const server = remote.getServerForTool(context.toolName);
        if (context.signal.aborted) return cancelledFailure(server);
        return toolFailure('tool_error', describeThrown(thrown), server);
      }
    },
  };
}
