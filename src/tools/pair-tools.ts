import { GatewayError } from '../core/errors.js';
import type { ToolDefinition, ToolHandler } from '../core/tool.js';
import type { DefinedTool } from './define-tool.js';

/**
 * The gateway's own tools (code execution, sub-agents), kept as handlers by name beside their
 * definitions, as the dispatcher's `tools`: each definition with its handler, unchanged (no
 * input parsing is added, unlike `tool()`). A definition without a handler is a bug of ours.
 */
export function pairTools<Name extends string>(
  handlers: Readonly<Record<Name, ToolHandler>>,
  definitions: readonly ToolDefinition[],
): DefinedTool[] {
  const byName = new Map<string, ToolHandler>(Object.entries<ToolHandler>(handlers));
  return definitions.map((definition) => {
    const handler = byName.get(definition.name);
    if (handler === undefined) {
      throw new GatewayError('internal_error', `no handler for the built-in tool '${definition.name}'`);
    }
    return { definition, handler };
  });
}
