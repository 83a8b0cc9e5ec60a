import type { Logger } from '../../core/logger.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { openSqlDatabase } from '../../database/sql/open-thread-store.js';
import type { DatabaseOption } from '../../agent-spec/database-option.js';

/**
 * Opens the SQL database that `server.database` names, as the aggregate of its stores, migrations included (PostgreSQL through
 * `pg`, or the embedded engine); the driver is loaded only then. Rejects with
 * `store_unavailable` when the database cannot be reached.
 */
export function openDatabase(
  option: DatabaseOption,
  context: {
    logger: Logger;
    signal?: AbortSignal;
    onWaitingForMigrations?: (databaseVersion: number, knownVersion: number) => void;
  },
): Promise<DatabaseStores> {
  return openSqlDatabase(option, context);
}
