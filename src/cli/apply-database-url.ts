import { createAgent } from '../server/assembly/create-agent.js';
import { isSharedStores } from '../server/chat/remote-runs.js';
import type { GatewayApp } from '../server/gateway-app.js';
import type { GatewayStores } from '../core/stores.js';
import { GatewayError } from '../core/errors.js';
import type { DatabaseSettingInput } from '../agent-spec/database-option.js';
import type { DatabaseOption } from '../database/sql/open-thread-store.js';

/** What `server.database` may say: a database, or `false` for none. */
export type DatabaseSetting = DatabaseOption | false;

/**
 * The `server.database` that `agent-gateway serve` gives an agent: the agent's own setting when
 * it has one (`false` included: no database); otherwise PostgreSQL at `DATABASE_URL` when that
 * is set, else the embedded engine, unless the instance is one of several (`shared`: Redis
 * stores): an embedded folder belongs to one process, so several keep no threads until
 * `DATABASE_URL` names the database they share. Resolves undefined when the agent's setting
 * stands; `notice` says when `DATABASE_URL` is therefore not used, or why nothing is kept.
 */
export function serveDatabaseSetting(
  agentSetting: unknown,
  databaseUrl: string | undefined,
  notice: (line: string) => void,
  shared = false,
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
  if (url !== '') return { postgres: url };
  if (shared) {
    notice(
      'threads are not kept: instances sharing Redis need one PostgreSQL database (set DATABASE_URL ' +
        'or server.database: { postgres })',
    );
    return false;
  }
  return 'embedded';
}

/**
 * `setting` with `migrate: false` (`serve --no-migrate`): the schema is left to
 * `agent-gateway migrate`. Undefined (the setting stands) for no database or one handed in as an
 * object, which the gateway does not migrate anyway; `notice` says so.
 */
function withoutMigrating(setting: unknown, notice: (line: string) => void): DatabaseSetting | undefined {
  if (setting === 'embedded') return { embedded: {}, migrate: false };
  if (typeof setting === 'object' && setting !== null && ('postgres' in setting || 'embedded' in setting)) {
    return { ...(setting as Exclude<DatabaseOption, 'embedded'>), migrate: false };
  }
  notice('--no-migrate has no effect: no database the gateway opens itself is configured');
  return undefined;
}

/** Whether the module's `server.store` makes this instance one of several (Redis). */
const sharesStores = (store: unknown): boolean =>
  typeof store === 'object' &&
  store !== null &&
  ('redis' in store || ('sessions' in store && isSharedStores(store as GatewayStores)));

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
  migrate = true,
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
  const setting = serveDatabaseSetting(
    spec.server?.database,
    databaseUrl,
    notice,
    sharesStores(spec.server?.store),
  );
  const chosen = setting ?? spec.server?.database;
  const database = migrate ? setting : withoutMigrating(chosen, notice);
  if (database === undefined) return app;
  const rebuilt = createAgent({
    ...spec,
    server: { ...spec.server, database },
  });
  // The module's own app never started: closing it releases nothing but its timers.
  await app.close();
  return rebuilt;
}

/**
 * The database `agent-gateway run --thread` keeps its thread in, chosen as `serve` chooses:
 * the agent's own `server.database` when it sets one, else PostgreSQL at `DATABASE_URL`, else
 * the embedded engine (a headless run is one process, so the embedded folder serves it even
 * when the agent's instances share Redis). Throws when the agent sets `server.database: false`.
 */
export function runDatabaseSetting(
  agentSetting: DatabaseSettingInput | undefined,
  databaseUrl: string | undefined,
  notice: (line: string) => void,
): Exclude<DatabaseSettingInput, false> {
  const chosen = serveDatabaseSetting(agentSetting, databaseUrl, notice);
  if (chosen !== undefined && chosen !== false) return chosen;
  if (agentSetting === false) {
    throw new GatewayError(
      'invalid_option',
      '--thread needs a database, and the agent sets server.database: false; set DATABASE_URL and remove that setting, or name a database there',
    );
  }
  return agentSetting ?? 'embedded';
}
