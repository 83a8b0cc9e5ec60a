import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { SqlQueryable } from './sql-engine.js';

/** The newest migration version `migrations` holds: the schema version this build expects. */
export const knownSchemaVersion = (migrations: readonly Migration[] = MIGRATIONS): number =>
  Math.max(0, ...migrations.map((migration) => migration.version));

/**
 * The refusal of a build older than its database: it names both versions, so that whoever reads
 * it knows which side to upgrade. Carries `schema_too_new`.
 */
export function schemaTooNewError(databaseVersion: number, knownVersion: number): GatewayError {
  return new GatewayError(
    GatewayErrorCode.SchemaTooNew,
    `the database schema is at version ${databaseVersion}, newer than this gateway knows (${knownVersion}): ` +
      'a newer gateway migrated it; upgrade this gateway (there are no down migrations)',
  );
}

/**
 * The versions applied to the database `queryable` reaches (`schema_migrations`); empty when the
 * table does not exist yet (a database never migrated).
 */
export async function appliedSchemaVersions(queryable: SqlQueryable): Promise<Set<number>> {
  const table = await queryable.query<{ name: string | null }>(
    "SELECT to_regclass('schema_migrations')::text AS name",
  );
  if (table.rows[0]?.name === null || table.rows[0]?.name === undefined) return new Set();
  const done = await queryable.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(done.rows.map((row) => row.version));
}
