import type { ToolDefinition } from '../../core/tool.js';
import { builtinToolNames, type ToolSetup } from '../../tools/build-run-tools.js';
import type { ClientTool } from '../../tools/define-tool.js';

/**
 * The run's tool setup with the client-side tools a request offers for this run only (AG-UI
 * frontend tools). A name the agent already uses is left out: the agent's own tool wins, so a
 * client cannot shadow a server tool.
 */
export function withRequestClientTools(
  setup: ToolSetup,
  requested: readonly ToolDefinition[] | undefined,
): ToolSetup {
  if (requested === undefined || requested.length === 0) return setup;
  const taken = builtinToolNames(setup);
  const added = requested.filter(
    (definition) => !taken.has(definition.name) && setup.remote?.hasTool(definition.name) !== true,
  );
  if (added.length === 0) return setup;
  const clientTools = added.map((definition): ClientTool => ({ definition, runsOn: 'client' }));
  return { ...setup, tools: [...(setup.tools ?? []), ...clientTools] };
}
