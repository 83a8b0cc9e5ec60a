import type { Hono } from 'hono';
import type { SessionEnv } from '../http/session-middleware.js';
import { normalizePrefix } from '../contracts/normalize-prefix.js';
import { a2aSettingsOf } from '../contracts/a2a-option.js';
import { createA2aRoutes } from './a2a/a2a-routes.js';
import { mcpSettingsOf } from '../contracts/mcp-option.js';
import { createMcpRoutes } from './mcp/mcp-routes.js';
import type { ProtocolRouteContext } from './protocol-route-context.js';

/** Where the agent protocols put what lives outside the prefix, and what `close()` releases. */
export interface AgentProtocolMounts {
  mountAtRoot: (routes: Hono) => void;
  onClose: (close: () => void) => void;
}

/**
 * Mounts the protocols other agents use, when on: A2A (`server.a2a`: `{prefix}/a2a` and the
 * agent card at the root) and MCP (`server.mcp`: `{prefix}/mcp` and its protected-resource
 * metadata at the root).
 */
export function mountAgentProtocols(
  routes: Hono<SessionEnv>,
  context: ProtocolRouteContext,
  mounts: AgentProtocolMounts,
): void {
  const { config } = context;
  const prefix = normalizePrefix(config.prefix);
  const a2a = a2aSettingsOf(config.a2a);
  if (a2a !== undefined) {
    const served = createA2aRoutes(context, {
      settings: a2a,
      prefix,
      fallbackName: config.agentName,
      skills: async () => (await config.agentSkills?.()) ?? [],
    });
    routes.route('/', served.routes);
    mounts.mountAtRoot(served.agentCard);
    mounts.onClose(() => served.close());
  }
  const mcp = mcpSettingsOf(config.mcp, config.agentName);
  if (mcp !== undefined) {
    const served = createMcpRoutes(context, { settings: mcp, prefix, version: a2a?.version ?? '1.0.0' });
    routes.route('/', served.routes);
    mounts.mountAtRoot(served.metadata);
    mounts.onClose(() => {
      served.close().catch((error: unknown) => context.report(error, 'mcp close'));
    });
  }
}
