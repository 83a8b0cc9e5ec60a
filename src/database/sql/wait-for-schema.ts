import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { appliedSchemaVersions, knownSchemaVersion, schemaTooNewError } from './schema-version.js';
import type { SqlQueryable } from './sql-engine.js';

/** How often an instance that does not migrate looks whether the schema caught up, in ms. */
export const SCHEMA_POLL_INTERVAL_MS = 1_000;

/** Options of `waitForSchema`. */
export interface WaitForSchemaOptions {
  /** Ends the wait: the call rejects with `aborted`. */
  signal?: AbortSignal | undefined;
  /** Told once, when the schema is found behind: its version and the one this build needs. */
  onWaiting?: ((databaseVersion: number, knownVersion: number) => void) | undefined;
  /** Between two looks, in ms (default `SCHEMA_POLL_INTERVAL_MS`). */
  pollIntervalMs?: number;
  /** The migrations this build knows (default `MIGRATIONS`). */
  migrations?: readonly Migration[];
}

/**
 * Waits until every migration of this build has been applied by someone else (`agent-gateway
 * migrate`, a migration job, another instance), for an instance started with migrations off:
 * it never changes the schema itself. A schema newer than this build knows is refused at once
 * (`schema_too_new`), as when migrating.
 */
export async function waitForSchema(
  queryable: SqlQueryable,
  options: WaitForSchemaOptions = {},
): Promise<void> {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = knownSchemaVersion(migrations);
  let told = false;
  for (;;) {
    const applied = await appliedSchemaVersions(queryable);
    const newest = Math.max(0, ...applied);
    if (newest > known) throw schemaTooNewError(newest, known);
    if (migrations.every((migration) => applied.has(migration.version))) return;
    if (!told) options.onWaiting?.(newest, known);
    told = true;
    try {
      await sleep(options.pollIntervalMs ?? SCHEMA_POLL_INTERVAL_MS, undefined, { signal: options.signal });
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.Aborted, 'waiting for the database migrations was aborted', {
        cause: error,
      });
    }
  }
}
