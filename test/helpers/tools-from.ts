import type { ToolDefinition, ToolHandler } from 'ai-agent-gateway/tools';
import { tool, type ClientTool, type DefinedTool } from 'ai-agent-gateway';

/**
 * Tools from JSON Schema definitions and handlers by name, through `tool()`: the fixtures of the
 * tests predate `tool()` and describe their tools as plain definitions.
 */
export function toolsFrom(
  handlers: Record<string, ToolHandler>,
  definitions: readonly ToolDefinition[],
): DefinedTool[] {
  return definitions.map((definition) => {
    const handler = handlers[definition.name];
    if (handler === undefined) throw new Error(`no handler for ${definition.name}`);
    return tool({
      name: definition.name,
      description: definition.description,
      inputSchema: definition.input_schema,
      ...(definition.idempotent === true ? { idempotent: true } : {}),
      execute: handler,
    });
  });
}

/** Client-side tools (`execute: 'client'`) from JSON Schema definitions. */
export function clientToolsFrom(definitions: readonly ToolDefinition[]): ClientTool[] {
  return definitions.map((definition) =>
    tool({
      name: definition.name,
      description: definition.description,
      inputSchema: definition.input_schema,
      execute: 'client',
    }),
  );
}
