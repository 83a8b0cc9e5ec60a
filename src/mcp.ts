/**
 * `ai-agent-gateway/mcp`: MCP client management for runtimes built by hand (`createAgent` takes
 * the same server configurations directly).
 */
export { createMcpClientManager } from './tools/mcp/create-mcp-client-manager.js';
export type { McpClientManager, McpServerCatalogEntry } from './tools/mcp/create-mcp-client-manager.js';
export type { McpClientManagerOptions } from './tools/mcp/mcp-client-manager-options.js';
export type {
  McpCustomTransportServerConfig,
  McpHttpServerConfig,
  McpServerConfig,
  McpSseServerConfig,
  McpStdioServerConfig,
} from './tools/mcp/mcp-server-config.js';
export type { McpServerState, McpServerStatus } from './tools/mcp/mcp-server-supervisor.js';
export { consoleMcpLogger } from './tools/mcp/mcp-logger.js';
export { createMcpManagerFromSpec } from './agent-spec/create-mcp-manager-from-spec.js';
export type { McpSpec } from './agent-spec/agent-spec.js';
