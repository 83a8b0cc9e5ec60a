import { createAgent } from '../server/agent/create-agent.js';
import type { GatewayApp } from '../server/gateway-app.js';

/**
 * `REDIS_URL` for `agent-gateway serve`: the library never reads the environment, so the CLI
 * rebuilds a `createAgent` app with `server.store: { redis: REDIS_URL }` when the module chose no
 * store itself. Apps the module built with `createGatewayApp` (or with a store) are kept as they
 * are, and `notice` says why the variable was not used.
 */
export async function applyRedisUrl(
  app: GatewayApp,
  redisUrl: string | undefined,
  notice: (line: string) => void,
): Promise<GatewayApp> {
  const url = redisUrl?.trim() ?? '';
  if (url === '') return app;
  const spec = app.agentDefinition?.spec;
  if (spec === undefined) {
    notice('REDIS_URL is ignored: the module builds its app with createGatewayApp; set server.store there');
    return app;
  }
  if (spec.server?.store !== undefined) {
    notice('REDIS_URL is ignored: the agent sets server.store itself');
    return app;
  }
  const rebuilt = createAgent({ ...spec, server: { ...spec.server, store: { redis: url } } });
  // The module's own app never started: closing it releases nothing but its timers.
  await app.close();
  return rebuilt;
}
