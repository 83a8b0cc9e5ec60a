import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { purgeAfterDeletes } from './deleted-text-purge.js';
import { lockDataFolder } from './lock-data-folder.js';
import { preparePrivateFolder, tightenFolderContents } from './private-data-folder.js';
import { INT8_OID, type SqlEngine, type SqlQueryable, type SqlResult } from './sql-engine.js';

const parsers = { [INT8_OID]: (value: string): number => Number(value) };

/** Options of the in-process engine. */
export interface PgliteEngineOptions {
  /** How long after a delete the deleted text is purged from the files (see `purgeAfterDeletes`). */
  purgeDelayMs?: number;
}

/**
 * The embedded engine in this process: PostgreSQL compiled to WebAssembly (PGlite), with its
 * data in `dir` (created 0700 when missing; refused when other users can write it). One process
 * owns a data folder (a lock file in it says which; a second opener is refused); statements run
 * one at a time on the calling thread. Its files are made 0600 when it opens, after a purge and
 * when it closes (it creates them under the process's umask), and deleted text is purged from
 * them after deletes and at close.
 */
export async function createPgliteEngine(dir: string, options: PgliteEngineOptions = {}): Promise<SqlEngine> {
  const location = resolve(dir);
  await preparePrivateFolder(location);
  const unlock = await lockDataFolder(location);
  let db: PGlite;
  try {
    db = await PGlite.create(location, { parsers });
    // A checkpoint then deletes old log segments, whose bytes would otherwise live on in reuse.
    await db.exec('SET wal_recycle = off');
    await tightenFolderContents(location);
  } catch (error) {
    await unlock();
    throw error;
  }
  const toResult = <Row>(result: { rows: Row[]; affectedRows?: number }): SqlResult<Row> => ({
    rows: result.rows,
    rowCount: result.affectedRows ?? result.rows.length,
  });
  let closed: Promise<void> | undefined;
  const engine: SqlEngine = {
    kind: 'embedded',
    location,
    query: async <Row>(text: string, params: readonly unknown[] = []) =>
      toResult(await db.query<Row>(text, [...params])),
    transaction: (work) =>
      db.transaction((tx) => {
        const queryable: SqlQueryable = {
          query: async <Row>(text: string, params: readonly unknown[] = []) =>
            toResult(await tx.query<Row>(text, [...params])),
        };
        return work(queryable);
      }),
    close() {
      closed ??= (db.closed ? Promise.resolve() : db.close())
        .then(() => tightenFolderContents(location))
        .finally(unlock);
      return closed;
    },
  };
  return purgeAfterDeletes(engine, {
    afterPurge: () => tightenFolderContents(location),
    ...(options.purgeDelayMs === undefined ? {} : { delayMs: options.purgeDelayMs }),
  });
}
