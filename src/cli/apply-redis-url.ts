import { createAgent } from '../server/assembly/create-agent.js';
import type { GatewayApp } from '../server/gateway-app.js';

/** Whether `REDIS_CLUSTER` asks for a Redis Cluster (`1`, `true` or `yes`, any case). */
export const isClusterFlag = (value: string | undefined): boolean =>
  ['1', 'true', 'yes'].includes(value?.trim().toLowerCase() ?? '');

/**
 * `REDIS_URL` for `agent-gateway serve`: the library never reads the environment, so the CLI
 * rebuilds a `createAgent` app with `server.store: { redis: REDIS_URL }` (plus `cluster: true`
 * when `REDIS_CLUSTER` is set: the URL is then one node of the cluster) when the module chose no
 * store itself. Apps the module built with `createGatewayApp` (or with a store) are kept as they
 * are, and `notice` says why the variable was not used.
 */
export async function applyRedisUrl(
  app: GatewayApp,
  redisUrl: string | undefined,
  notice: (line: string) => void,
  cluster = false,
): Promise<GatewayApp> {
  const url = redisUrl?.trim() ?? '';
  if (url === '') return app;
  const spec = app.agentDefinition?.spec;
  if (spec === undefined) {
    notice('REDIS_URL is ignored: the module builds its app with createGatewayApp; set server.store there');
    return app;
  }
  const store = spec.server?.store;
  if (store !== undefined) {
    // An agent that builds its store from process.env.REDIS_URL (as the README's does) uses the
    // variable already: nothing to say.
    const usesIt = typeof store === 'object' && 'redis' in store && store.redis.trim() === url;
    if (!usesIt) notice('REDIS_URL is ignored: the agent sets server.store itself');
    return app;
  }
  const fromEnvironment = cluster ? { redis: url, cluster: true } : { redis: url };
  const rebuilt = createAgent({ ...spec, server: { ...spec.server, store: fromEnvironment } });
  // The module's own app never started: closing it releases nothing but its timers.
  await app.close();
  return rebuilt;
}
