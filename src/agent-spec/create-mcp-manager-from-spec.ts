import type { Logger } from '../core/logger.js';
import { createMcpClientManager, type McpClientManager } from '../tools/mcp/create-mcp-client-manager.js';

import type { McpSpec } from './agent-spec.js';

/**
 * Builds the MCP client manager an agent spec's `mcp` group describes, or undefined when it
 * names neither `servers` nor `configPath` (so `~/.claude.json` is never read implicitly).
 * `builtinToolNames` are the gateway's own tools, which win any name clash. `logger` is the
 * agent's, so that the servers' stderr lines and failures come out in the app's log format
 * (default: the MCP manager's own, on stderr). Nothing connects until `start()`.
 */
export function createMcpManagerFromSpec(
  mcp: McpSpec | undefined,
  builtinToolNames: Iterable<string>,
  logger?: Logger,
): McpClientManager | undefined {
  if (mcp === undefined || (mcp.servers === undefined && mcp.configPath === undefined)) return undefined;
  const { servers = {}, configPath = null, ...settings } = mcp;
  return createMcpClientManager({
    ...settings,
    servers,
    configPath,
    builtinToolNames,
    ...(logger === undefined ? {} : { logger }),
  });
}
