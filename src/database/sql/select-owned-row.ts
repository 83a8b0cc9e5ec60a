import type { ThreadOwner } from '../../core/thread-store.js';
import type { SqlQueryable } from './sql-engine.js';
import { ownerCondition } from './sql-rows.js';

/** Where `selectOwnedRow` looks: the table, the columns it selects and the id column. */
export interface OwnedRowQuery {
  table: string;
  columns: string;
  /** The column `id` is matched against; `id` when absent. */
  idColumn?: string;
}

/**
 * The row of `query.table` whose id is `id` and which `owner` owns, mapped by `toRecord`;
 * undefined when there is none or another owner's (an id never reaches across owners).
 */
export async function selectOwnedRow<Row, Output>(
  db: SqlQueryable,
  query: OwnedRowQuery,
  owner: ThreadOwner,
  id: string,
  toRecord: (row: Row) => Output,
): Promise<Output | undefined> {
  const where = ownerCondition(owner, 2);
  const found = await db.query<Row>(
    `SELECT ${query.columns} FROM ${query.table} WHERE ${query.idColumn ?? 'id'} = $1 AND ${where.sql}`,
    [id, ...where.params],
  );
  const row = found.rows[0];
  return row === undefined ? undefined : toRecord(row);
}
