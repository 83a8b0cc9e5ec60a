import type { RemoteToolSource } from '../../core/tool.js';
import type { McpClientManager, McpServerCatalogEntry } from './create-mcp-client-manager.js';
import type { McpToolTable } from './build-mcp-tool-table.js';

/** The reads of an MCP client manager's tool table. */
export type McpToolCatalog = Pick<RemoteToolSource, 'getToolDefinitions' | 'hasTool' | 'getServerForTool'> &
  Pick<McpClientManager, 'getServerCatalog' | 'getServerToolDefinitions'>;

/** What the model may call, read from the tool table now (`table`); definitions are copies. */
export function createMcpToolCatalog(table: () => McpToolTable): McpToolCatalog {
  return {
    getToolDefinitions() {
      return table().definitions.map((definition) => structuredClone(definition));
    },
    hasTool(name) {
      return table().routes.has(name);
    },
    getServerForTool(name) {
      return table().routes.get(name)?.server ?? null;
    },
    getServerCatalog() {
      const catalog: Record<string, McpServerCatalogEntry> = {};
      for (const [server, names] of table().namesByServer)
        catalog[server] = { tool_count: names.length, tools: [...names] };
      return catalog;
    },
    getServerToolDefinitions(serverNames) {
      const wanted = new Set(serverNames);
      const { definitions, routes } = table();
      return definitions
        .filter(({ name }) => wanted.has(routes.get(name)?.server ?? ''))
        .map((definition) => structuredClone(definition));
    },
  };
}
