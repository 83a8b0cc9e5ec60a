import type { ProtocolRouteContext } from '../protocol-route-context.js';
import type { McpRouteOptions, McpRoutes } from './mcp-routes.js';

/**
 * The MCP routes (`createMcpRoutes`), their module and the MCP SDK's server side loaded as the
 * app is made, without holding it up: a gateway whose `server.mcp` is off never loads them (about
 * 100-150 ms of a start here). A request that arrives while they load waits for them. Should
 * the load fail, it is reported once and each request hears that failure (a 500).
 */
export function lazyMcpRoutes(context: ProtocolRouteContext, options: McpRouteOptions): McpRoutes {
  const loading = import('./mcp-routes.js').then((module) => module.createMcpRoutes(context, options));
  loading.catch((error: unknown) => context.report(error, 'mcp routes'));
  return {
    call: {
      check: async (c, next) => (await loading).call.check(c, next),
      handle: async (c) => (await loading).call.handle(c),
    },
    metadata: async (c) => (await loading).metadata(c),
    async close() {
      const routes = await loading.catch(() => undefined);
      await routes?.close();
    },
  };
}
