import type { RemoteToolSource, ToolOutcome } from '../../core/tool.js';
import type { McpClientManager } from './create-mcp-client-manager.js';
import { cancelledFailure } from '../tool-failure.js';
import type { McpToolTable } from './build-mcp-tool-table.js';
import { convertMcpToolResult } from './convert-mcp-tool-result.js';
import { createDeadlineSignal } from './create-deadline-signal.js';
import { mapMcpCallError } from './map-mcp-call-error.js';
import type { ResolvedMcpClientManagerOptions } from './mcp-client-manager-options.js';
import type { McpServerSupervisor } from './mcp-server-supervisor.js';
import { describeThrown } from './describe-thrown.js';

/** What the tool calls of an MCP client manager read from it, as it is now. */
export interface McpToolCallsContext {
  settings: ResolvedMcpClientManagerOptions;
  /** Aborts when the manager closes. */
  lifetime: AbortSignal;
  /** The tool table now (rebuilt as servers come and go). */
  table: () => McpToolTable;
  /** The supervisor of a configured server. */
  supervisorOf: (server: string) => McpServerSupervisor | undefined;
  /** Whether the manager is closing (no call is routed then). */
  closing: () => boolean;
}

/**
 * The calls an MCP client manager routes to its servers: a tool call (never throws: a failure
 * comes back as an outcome naming its `server`), and the `{server}_close_session` call of a
 * session's end. Each call has its own deadline signal, disposed when it ends.
 */
export function createMcpToolCalls(
  context: McpToolCallsContext,
): Pick<RemoteToolSource, 'callTool'> & Pick<McpClientManager, 'closeSession'> {
  const { settings, lifetime } = context;
  const { logger } = settings;
  const timeoutOf = (server: string): number =>
    settings.serverToolTimeoutsMs.get(server) ?? settings.toolTimeoutMs;

  async function callTool(
    name: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
    callContext?: { sessionId: string },
  ): Promise<ToolOutcome> {
    const route = context.table().routes.get(name);
    if (route === undefined) {
      return { ok: false, error: { code: 'unknown_tool', message: `Unknown tool: ${name}` }, server: null };
    }
    const { server, toolName } = route;
    const supervisor = context.supervisorOf(server);
    if (supervisor === undefined || context.closing()) {
      return {
        ok: false,
        error: { code: 'mcp_tool_error', message: `MCP server unavailable: ${server}` },
        server,
      };
    }
    if (signal.aborted) return cancelledFailure(server);
    const args =
      callContext !== undefined && settings.sessionInjectServers.has(server)
        ? { ...input, _session_id: callContext.sessionId }
        : input;
    const timeoutMs = timeoutOf(server);
    // A per-call child signal: the SDK never removes its abort listener, and the caller's
    // signal may outlive many calls.
    const call = createDeadlineSignal([signal]);
    try {
      const converted = convertMcpToolResult(
        await supervisor.callTool(toolName, args, call.signal, timeoutMs),
        toolName,
      );
      return converted.ok
        ? { ok: true, result: converted.result, server }
        : { ok: false, error: converted.error, server };
    } catch (thrown) {
      if (signal.aborted) return cancelledFailure(server);
      return { ok: false, error: mapMcpCallError(thrown, { server, toolName, timeoutMs }), server };
    } finally {
      call.dispose();
    }
  }

  return {
    callTool,
    async closeSession(sessionId, signal) {
      for (const server of settings.sessionInjectServers) {
        const supervisor = context.supervisorOf(server);
        const toolName = `${server}_close_session`;
        if (supervisor === undefined || !supervisor.tools.some((tool) => tool.name === toolName)) continue;
        const call = createDeadlineSignal([signal, lifetime]);
        try {
          const result = await supervisor.callTool(
            toolName,
            { _session_id: sessionId },
            call.signal,
            timeoutOf(server),
          );
          const converted = convertMcpToolResult(result, toolName);
          if (!converted.ok) throw new Error(converted.error.message);
        } catch (thrown) {
          logger.warn(`MCP ${toolName} failed for session ${sessionId}: ${describeThrown(thrown)}`, {
            server,
          });
        } finally {
          call.dispose();
        }
      }
    },
  };
}
