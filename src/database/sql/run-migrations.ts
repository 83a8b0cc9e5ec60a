import { MIGRATIONS, type Migration } from './migrations.js';
import { knownSchemaVersion, schemaTooNewError } from './schema-version.js';
import { splitSqlStatements } from './split-sql-statements.js';
import type { SqlEngine } from './sql-engine.js';

/**
 * Key of the transaction-level advisory lock that serialises migrations: every instance that
 * starts on the same database takes it, so N instances starting at once apply each migration
 * exactly once and the others wait, then find it applied.
 */
export const MIGRATION_LOCK_KEY = 7_418_335_207_214_001;

/**
 * Applies the migrations `engine` has not seen yet, all in one transaction under the advisory
 * lock; resolves the versions it applied (empty when the schema was up to date). A database
 * whose schema is newer than `migrations` know is refused (`schema_too_new`), untouched.
 */
export async function runMigrations(
  engine: SqlEngine,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return engine.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at bigint NOT NULL
       )`,
    );
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    const known = knownSchemaVersion(migrations);
    if (newest > known) throw schemaTooNewError(newest, known);
    const ran: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of splitSqlStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
}
