import { createAgent } from '../server/agent/create-agent.js';
import type { GatewayApp } from '../server/gateway-app.js';
import type { DatabaseOption } from '../stores/sql/open-thread-store.js';

/** What `server.database` may say: a database, or `false` for none. */
export type DatabaseSetting = DatabaseOption | false;

/**
 * The `server.database` that `agent-gateway serve` gives an agent: the agent's own setting when
 * it has one (`false` included: no database); otherwise PostgreSQL at `DATABASE_URL` when that
 * is set, else the embedded engine. Resolves undefined when the agent's setting stands;
 * `notice` says when `DATABASE_URL` is therefore not used.
 */
export function serveDatabaseSetting(
  agentSetting: unknown,
  databaseUrl: string | undefined,
  notice: (line: string) => void,
): DatabaseSetting | undefined {
  const url = databaseUrl?.trim() ?? '';
  if (agentSetting !== undefined) {
    const usesIt =
      typeof agentSetting === 'object' &&
      agentSetting !== null &&
      'postgres' in agentSetting &&
      agentSetting.postgres === url;
    if (url !== '' && !usesIt) notice('DATABASE_URL is ignored: the agent sets server.database itself');
    return undefined;
  }
  return url === '' ? 'embedded' : { postgres: url };
}

/**
 * `DATABASE_URL` and the embedded default for `agent-gateway serve`: the library never reads the
 * environment and keeps no database unless asked, so the CLI rebuilds a `createAgent` app with
 * `server.database` from `serveDatabaseSetting`. Apps the module built with `createGatewayApp`
 * are kept as they are (`notice` says so when `DATABASE_URL` is set).
 */
export async function applyDatabaseUrl(
  app: GatewayApp,
  databaseUrl: string | undefined,
  notice: (line: string) => void,
): Promise<GatewayApp> {
  const spec = app.agentDefinition?.spec;
  if (spec === undefined) {
    if ((databaseUrl?.trim() ?? '') !== '') {
      notice(
        'DATABASE_URL is ignored: the module builds its app with createGatewayApp; set server.database there',
      );
    }
    return app;
  }
  const server: Record<string, unknown> = { ...spec.server };
  const setting = serveDatabaseSetting(server['database'], databaseUrl, notice);
  if (setting === undefined) return app;
  const rebuilt = createAgent({
    ...spec,
    server: { ...spec.server, database: setting },
  });
  // The module's own app never started: closing it releases nothing but its timers.
  await app.close();
  return rebuilt;
}
