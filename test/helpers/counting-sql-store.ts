import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { createSqlThreadStore, type SqlThreadStore } from '../../src/database/sql/sql-thread-store.js';
import type { CleanupStack } from './cleanup-stack.js';
import { createPgliteEngineFromTemplate } from './pglite-template.js';

/** A migrated PGlite database in a temp folder, closed and removed by `cleanup`. */
export async function openPgliteEngine(cleanup: CleanupStack): Promise<SqlEngine> {
  const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'agent-gateway-sole-writer-')), (folder) =>
    rm(folder, { recursive: true, force: true }),
  );
  const engine = cleanup.add(await createPgliteEngineFromTemplate(dir, 'migrated'), (open) => open.close());
  await runMigrations(engine);
  return engine;
}

/** A SQL thread store whose engine counts the statements it is sent. */
export interface CountingStore {
  store: SqlThreadStore;
  engine: SqlEngine;
  statements: () => number;
  /** The next run ends fail as a down database would (a socket error, no SQLSTATE). */
  failEnds: (count: number) => void;
}

/** A counting store over a new PGlite database (`openPgliteEngine`). */
export async function countingStore(soleWriter: boolean, cleanup: CleanupStack): Promise<CountingStore> {
  return countingStoreOver(await openPgliteEngine(cleanup), soleWriter);
}

/** A counting store over `engine` (migrated). */
export function countingStoreOver(engine: SqlEngine, soleWriter: boolean): CountingStore {
  let statements = 0;
  let endsToFail = 0;
  const counting: SqlEngine = {
    ...engine,
    query: (text, params, prepared) => {
      statements += 1;
      if (endsToFail > 0 && (prepared === 'agw_run_finish' || prepared === 'agw_run_batch')) {
        endsToFail -= 1;
        return Promise.reject(new Error('connection terminated'));
      }
      return engine.query(text, params, prepared);
    },
    transaction: (work) =>
      engine.transaction((tx) =>
        work({
          query: (text, params, prepared) => {
            statements += 1;
            return tx.query(text, params, prepared);
          },
        }),
      ),
    close: () => engine.close(),
  };
  return {
    store: createSqlThreadStore(counting, { soleWriter }),
    engine,
    statements: () => statements,
    failEnds: (count) => {
      endsToFail = count;
    },
  };
}
