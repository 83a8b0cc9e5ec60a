import type { Logger } from '../../core/logger.js';
import type { ThreadStore } from '../../core/thread-store.js';
import { openThreadStore } from '../../stores/sql/open-thread-store.js';
import type { DatabaseOption } from '../../agent-spec/database-option.js';

/**
 * Opens the SQL store that `server.database` names, migrations included (PostgreSQL through
 * `pg`, or the embedded engine); the driver is loaded only then. Rejects with
 * `store_unavailable` when the database cannot be reached.
 */
export function openDatabase(
  option: DatabaseOption,
  context: { logger: Logger; signal?: AbortSignal },
): Promise<ThreadStore> {
  return openThreadStore(option, context);
}
