import { createMcpClientManager, type McpClientManager } from './create-mcp-client-manager.js';
import type { McpServerConfig } from './mcp-server-config.js';

/**
 * The MCP options of `createAgent` and `runAutonomous` (the original's `mcp_*` keywords in
 * camelCase). Durations are in seconds, like the original's.
 */
export interface McpEasyOptions {
  /** Inline servers by name (stdio, `{type:"http"}` or `{type:"sse"}`); win over the file's. */
  mcpServers?: Record<string, McpServerConfig>;
  /** A Claude-style JSON file with a top-level `mcpServers` (`~` expanded). */
  mcpConfigPath?: string;
  /** Only these servers are connected. */
  mcpAllowedServers?: string[];
  /** Per-server tool-call timeout in seconds. */
  mcpTimeoutOverrides?: Record<string, number>;
  /** Default tool-call timeout in seconds (30). */
  mcpDefaultToolTimeout?: number;
  /** Servers that receive `_session_id` in every tool input. */
  mcpSessionInjectServers?: string[];
  /** Property names removed from every advertised MCP input schema. */
  mcpStripInputFields?: string[];
}

/** Option names of `McpEasyOptions`, for validators and option mappers. */
export const MCP_EASY_OPTION_KEYS = [
  'mcpServers',
  'mcpConfigPath',
  'mcpAllowedServers',
  'mcpTimeoutOverrides',
  'mcpDefaultToolTimeout',
  'mcpSessionInjectServers',
  'mcpStripInputFields',
] as const satisfies ReadonlyArray<keyof McpEasyOptions>;

/**
 * Builds the MCP client manager the easy-path options describe, or undefined when neither
 * `mcpServers` nor `mcpConfigPath` is given — so `~/.claude.json` is never read implicitly.
 * `builtinToolNames` are the gateway's own tools, which win any name clash. Invalid options
 * throw `invalid_option` here; nothing connects until `start()`.
 */
export function createMcpManagerFromOptions(
  options: McpEasyOptions,
  builtinToolNames: Iterable<string>,
): McpClientManager | undefined {
  if (options.mcpServers === undefined && options.mcpConfigPath === undefined) return undefined;
  return createMcpClientManager({
    servers: options.mcpServers ?? {},
    configPath: options.mcpConfigPath ?? null,
    builtinToolNames,
    ...(options.mcpAllowedServers === undefined ? {} : { allowedServers: options.mcpAllowedServers }),
    ...(options.mcpTimeoutOverrides === undefined ? {} : { timeoutOverrides: options.mcpTimeoutOverrides }),
    ...(options.mcpDefaultToolTimeout === undefined
      ? {}
      : { defaultToolTimeout: options.mcpDefaultToolTimeout }),
    ...(options.mcpSessionInjectServers === undefined
      ? {}
      : { sessionInjectServers: options.mcpSessionInjectServers }),
    ...(options.mcpStripInputFields === undefined ? {} : { stripInputFields: options.mcpStripInputFields }),
  });
}
