import { normalizePrefix } from '../contracts/normalize-prefix.js';
import { a2aSettingsOf } from '../contracts/a2a-option.js';
import { createA2aRoutes, type A2aRoutes } from './a2a/a2a-routes.js';
import { mcpSettingsOf } from '../contracts/mcp-option.js';
import { lazyMcpRoutes } from './mcp/lazy-mcp-routes.js';
import type { McpRoutes } from './mcp/mcp-routes.js';
import type { ProtocolRouteContext } from './protocol-route-context.js';

/** The protocols other agents use, each `undefined` while its option is off (its routes then unmounted). */
export interface AgentProtocols {
  a2a: A2aRoutes | undefined;
  mcp: McpRoutes | undefined;
}

/**
 * Makes the handlers of the protocols other agents use, when on: A2A (`server.a2a`:
 * `{prefix}/a2a` and the agent card at the root) and MCP (`server.mcp`: `{prefix}/mcp` and its
 * protected-resource metadata at the root); `onClose` gets what `close()` must release.
 */
export function createAgentProtocols(
  context: ProtocolRouteContext,
  onClose: (close: () => void) => void,
): AgentProtocols {
  const { config } = context;
  const prefix = normalizePrefix(config.prefix);
  const a2aSettings = a2aSettingsOf(config.a2a);
  const a2a =
    a2aSettings === undefined
      ? undefined
      : createA2aRoutes(context, {
          settings: a2aSettings,
          prefix,
          fallbackName: config.agentName,
          skills: async () => (await config.agentSkills?.()) ?? [],
        });
  if (a2a !== undefined) onClose(() => a2a.close());
  const mcpSettings = mcpSettingsOf(config.mcp, config.agentName);
  const mcp =
    mcpSettings === undefined
      ? undefined
      : lazyMcpRoutes(context, {
          settings: mcpSettings,
          prefix,
          version: a2aSettings?.version ?? '1.0.0',
        });
  if (mcp !== undefined) {
    onClose(() => {
      mcp.close().catch((error: unknown) => context.report(error, 'mcp close'));
    });
  }
  return { a2a, mcp };
}
