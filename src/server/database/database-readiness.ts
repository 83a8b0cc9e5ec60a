import type { DatabaseStores } from '../../core/database-stores.js';

/** What keeps the database from serving, as readiness names it. */
export type DatabaseUnreadiness = 'database' | 'migrations';

/** What `databaseReadiness` reads of the app's database. */
export interface DatabaseReadinessSource {
  /** Whether `server.database` names a database. */
  configured: boolean;
  /** The open stores; undefined while not open. */
  current: () => DatabaseStores | undefined;
  /** Whether opening waits for someone else's migrations (`migrate: false`). */
  waitingForMigrations: () => boolean;
}

/**
 * Why the database cannot serve now: `migrations` while opening waits for them, `database` while
 * it is not open or does not answer a ping within `timeoutMs`; undefined when it can, or when no
 * database is configured. Concurrent asks share one ping, so a burst of probes costs one
 * statement.
 */
export function createDatabaseReadiness(
  source: DatabaseReadinessSource,
): (timeoutMs: number) => Promise<DatabaseUnreadiness | undefined> {
  let inFlight: Promise<boolean> | undefined;
  const answers = (stores: DatabaseStores, timeoutMs: number): Promise<boolean> => {
    const ping = stores.ping?.bind(stores);
    if (ping === undefined) return Promise.resolve(true);
    inFlight ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([
          ping().then(
            () => true,
            () => false,
          ),
          late,
        ]);
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  return async (timeoutMs) => {
    if (!source.configured) return undefined;
    if (source.waitingForMigrations()) return 'migrations';
    const stores = source.current();
    if (stores === undefined) return 'database';
    return (await answers(stores, timeoutMs)) ? undefined : 'database';
  };
}
