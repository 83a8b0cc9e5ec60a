import { openThreadStore } from '../../src/database/sql/open-thread-store.js';
import type { SqlThreadStore } from '../../src/database/sql/sql-thread-store.js';
import type { CleanupStack } from './cleanup-stack.js';
import { useSharedPostgresServer } from './shared-postgres-server.js';

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
 * Starts one private PostgreSQL server for the calling test file (`useSharedPostgresServer`)
 * and opens clusters of stores on fresh databases of it, each closed by `cleanup`.
 */
export function useSharedPostgresCluster(cleanup: CleanupStack): SharedPostgresCluster {
  const { unavailable, createDatabase } = useSharedPostgresServer();
  return {
    unavailable,
    openCluster: async (count) => {
      const url = await createDatabase();
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
