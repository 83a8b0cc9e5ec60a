import { createMcpClientManager, type McpClientManager } from '../tools/mcp/create-mcp-client-manager.js';

import type { McpSpec } from './agent-spec.js';

/** Seconds, as the MCP client manager counts them. */
const seconds = (ms: number): number => ms / 1000;

/**
 * Builds the MCP client manager an agent spec's `mcp` group describes, or undefined when it
 * names neither `servers` nor `configPath` (so `~/.claude.json` is never read implicitly).
 * `builtinToolNames` are the gateway's own tools, which win any name clash. Nothing connects
 * until `start()`.
 */
export function createMcpManagerFromSpec(
  mcp: McpSpec | undefined,
  builtinToolNames: Iterable<string>,
): McpClientManager | undefined {
  if (mcp === undefined || (mcp.servers === undefined && mcp.configPath === undefined)) return undefined;
  const { serverToolTimeoutsMs, toolTimeoutMs } = mcp;
  return createMcpClientManager({
    servers: mcp.servers ?? {},
    configPath: mcp.configPath ?? null,
    builtinToolNames,
    ...(mcp.allowedServers === undefined ? {} : { allowedServers: mcp.allowedServers }),
    ...(serverToolTimeoutsMs === undefined
      ? {}
      : {
          timeoutOverrides: Object.fromEntries(
            Object.entries(serverToolTimeoutsMs).map(([name, ms]) => [name, seconds(ms)]),
          ),
        }),
    ...(toolTimeoutMs === undefined ? {} : { defaultToolTimeout: seconds(toolTimeoutMs) }),
    ...(mcp.sessionInjectServers === undefined ? {} : { sessionInjectServers: mcp.sessionInjectServers }),
    ...(mcp.stripInputFields === undefined ? {} : { stripInputFields: mcp.stripInputFields }),
  });
}
