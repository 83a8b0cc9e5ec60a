import { openEngine, type DatabaseOption, type OpenThreadStoreOptions } from './open-thread-store.js';
import { runMigrations } from './run-migrations.js';
import { knownSchemaVersion } from './schema-version.js';
import { failClosed } from './store-errors.js';

/** What `migrateDatabase` did. */
export interface MigrationReport {
  /** The versions applied now, in order (empty: the schema was up to date). */
  applied: number[];
  /** The schema's version afterwards: the newest this build knows. */
  version: number;
  /** The database, password hidden (a URL) or its data folder. */
  location: string;
}

/**
 * Brings the schema of the database `option` names up to date and closes it again: what
 * `agent-gateway migrate` (a migration job before a rolling upgrade) runs. Under the same
 * advisory lock as an instance that migrates as it starts, so a job and instances may race
 * safely. Rejects with `store_unavailable` when the database cannot be reached and with
 * `schema_too_new` when a newer build migrated it (nothing is changed then).
 */
export async function migrateDatabase(
  option: DatabaseOption,
  options: Pick<OpenThreadStoreOptions, 'logger' | 'signal' | 'connectTimeoutMs'> = {},
): Promise<MigrationReport> {
  const engine = await failClosed('open', () => openEngine(option, { ...options, maxConnections: 1 }));
  try {
    const applied = await failClosed('migrate', () => runMigrations(engine));
    return { applied, version: knownSchemaVersion(), location: engine.location };
  } finally {
    await engine.close().catch(() => undefined);
  }
}
