import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDefinition } from '../../core/tool.js';
import type { Logger } from '../../core/logger.js';
import { stripInputFields } from './strip-input-fields.js';

/** Where an advertised tool name leads: the server and the tool's own name on that server. */
export interface McpToolRoute {
  server: string;
  toolName: string;
}

/** One server's contribution to the table, in configuration order. */
export interface McpServerTools {
  server: string;
  toolPrefix: string;
  tools: readonly Tool[];
}

/** The name table the manager answers from; rebuilt whenever a server's tool list changes. */
export interface McpToolTable {
  /** Definitions as the model sees them, in server order then listing order. */
  definitions: readonly ToolDefinition[];
  /** Advertised name → route. */
  routes: ReadonlyMap<string, McpToolRoute>;
  /** Server → its advertised tool names (servers whose tools were all dropped map to []). */
  namesByServer: ReadonlyMap<string, readonly string[]>;
}

/** Inputs of `buildMcpToolTable`. */
export interface BuildMcpToolTableInput {
  servers: readonly McpServerTools[];
  /** Names of the gateway's own tools; they always win. */
  builtinToolNames: ReadonlySet<string>;
  /** Properties removed from every advertised input schema. */
  stripInputFields: ReadonlySet<string>;
  logger: Logger;
}

/**
 * Builds the advertised tool list and the routing table. Rules, in order: a server's optional
 * `toolPrefix` is prepended; a name equal to a built-in tool is dropped (the gateway's own tool
 * must never be shadowed by a server that happens to pick the same name); a name already taken
 * by an earlier server is dropped (first server in configuration order wins). Every drop is
 * logged, because a silently missing tool is hard to diagnose.
 */
export function buildMcpToolTable(input: BuildMcpToolTableInput): McpToolTable {
  const definitions: ToolDefinition[] = [];
  const routes = new Map<string, McpToolRoute>();
  const namesByServer = new Map<string, string[]>();

  for (const { server, toolPrefix, tools } of input.servers) {
    const names: string[] = [];
    namesByServer.set(server, names);
    for (const tool of tools) {
      const name = `${toolPrefix}${tool.name}`;
      if (input.builtinToolNames.has(name)) {
        input.logger.warn(`MCP tool '${name}' of server '${server}' hidden: a built-in tool has that name`, {
          server,
          tool: name,
        });
        continue;
      }
      const owner = routes.get(name);
      if (owner !== undefined) {
        input.logger.warn(
          `MCP tool '${name}' of server '${server}' hidden: server '${owner.server}' already offers it`,
          { server, tool: name, owner: owner.server },
        );
        continue;
      }
      routes.set(name, { server, toolName: tool.name });
      names.push(name);
      // The SDK validates listings, but a lenient server may still omit the schema.
      const schema: Record<string, unknown> | undefined = tool.inputSchema;
      definitions.push({
        name,
        description: tool.description ?? '',
        input_schema: stripInputFields(schema ?? { type: 'object', properties: {} }, input.stripInputFields),
        // MCP annotations are hints from the server: a read-only tool, or one declared
        // idempotent, may be re-run when its run moves to another instance.
        ...(tool.annotations?.readOnlyHint === true || tool.annotations?.idempotentHint === true
          ? { idempotent: true }
          : {}),
      });
    }
  }
  return { definitions, routes, namesByServer };
}
