import { afterAll, beforeAll } from 'vitest';
import { openThreadStore } from '../../src/stores/sql/open-thread-store.js';
import type { SqlThreadStore } from '../../src/stores/sql/sql-thread-store.js';
import type { CleanupStack } from './cleanup-stack.js';
import { postgresUnavailableReason, startPostgresServer, type PostgresServer } from './postgres-server.js';

/** A private PostgreSQL server for one test file, and clusters of stores on it. */
export interface SharedPostgresCluster {
  /** Why PostgreSQL cannot run here (the file's tests skip), or undefined. */
  unavailable: string | undefined;
  /**
   * `count` stores on one fresh database, the instances of a cluster: closed by `cleanup` after
   * the test. Resolves the database's URL too.
   */
  openCluster: (count: number) => Promise<{ url: string; stores: SqlThreadStore[] }>;
}

/**
 * Starts one private PostgreSQL server for the calling test file (before its tests; destroyed
 * after them) and opens clusters of stores on fresh databases of it, each closed by `cleanup`.
 * Warns once, and opens nothing, when PostgreSQL is not installed.
 */
export function useSharedPostgresCluster(cleanup: CleanupStack): SharedPostgresCluster {
  const unavailable = postgresUnavailableReason();
  if (unavailable !== undefined) console.warn(unavailable);
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    if (unavailable === undefined) postgres = await startPostgresServer();
  }, 60_000);
  afterAll(() => postgres?.destroy());
  return {
    unavailable,
    openCluster: async (count) => {
      if (postgres === undefined) throw new Error(unavailable ?? 'PostgreSQL server not started');
      const url = await postgres.createDatabase();
      const stores: SqlThreadStore[] = [];
      for (let index = 0; index < count; index += 1) {
        const store = await openThreadStore({ postgres: url });
        cleanup.add(store, (opened) => opened.close());
        stores.push(store);
      }
      return { url, stores };
    },
  };
}
