import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataFolder } from './lock-data-folder.js';
import { INT8_OID, type SqlEngine, type SqlQueryable, type SqlResult } from './sql-engine.js';

const parsers = { [INT8_OID]: (value: string): number => Number(value) };

/**
 * The embedded engine: PostgreSQL compiled to WebAssembly (PGlite), in this process, with its
 * data in `dir` (created when missing). One process owns a data folder (a lock file in it says
 * which; a second opener is refused); statements run one at a time on the calling thread.
 */
export async function createPgliteEngine(dir: string): Promise<SqlEngine> {
  const location = resolve(dir);
  await mkdir(location, { recursive: true });
  const unlock = await lockDataFolder(location);
  let db: PGlite;
  try {
    db = await PGlite.create(location, { parsers });
  } catch (error) {
    await unlock();
    throw error;
  }
  const toResult = <Row>(result: { rows: Row[]; affectedRows?: number }): SqlResult<Row> => ({
    rows: result.rows,
    rowCount: result.affectedRows ?? result.rows.length,
  });
  let closed: Promise<void> | undefined;
  return {
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
      closed ??= (db.closed ? Promise.resolve() : db.close()).finally(unlock);
      return closed;
    },
  };
}
