import type { DatabaseStores } from '../../core/database-stores.js';
import { parseOptions } from '../../core/parse-options.js';
import {
  memoryDatabaseOf,
  memoryThreadStoreOptionsSchema,
  type MemoryThreadStoreOptions,
} from './memory-thread-store.js';

/**
 * A database kept in this process, as the aggregate of its stores: threads, runs suspended and
 * the approval inbox (no background runs, schedules, heartbeats or queued runs). For tests,
 * examples and library users without a database server; it forgets everything when the process
 * ends. `close()` empties it; calls after it fail with `store_unavailable`.
 */
export function createMemoryDatabase(given: MemoryThreadStoreOptions = {}): DatabaseStores {
  return memoryDatabaseOf(parseOptions(memoryThreadStoreOptionsSchema, given, 'createMemoryDatabase'));
}
