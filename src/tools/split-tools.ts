import type { ToolDefinition } from '../core/tool.js';
import { isClientTool, type ClientTool, type DefinedTool } from './define-tool.js';

/** An agent's `tools` as the dispatcher takes them: tools it runs, and tools the client runs. */
export function splitTools(tools: ReadonlyArray<DefinedTool | ClientTool> | undefined): {
  tools: DefinedTool[];
  clientTools: ToolDefinition[];
} {
  const served: DefinedTool[] = [];
  const clientTools: ToolDefinition[] = [];
  for (const tool of tools ?? []) {
    if (isClientTool(tool)) clientTools.push(tool.definition);
    else served.push(tool);
  }
  return { tools: served, clientTools };
}
