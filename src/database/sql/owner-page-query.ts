import type { ThreadOwner } from '../../core/thread-store.js';
import { afterCursor } from './page-cursor.js';
import { ownerCondition } from './sql-rows.js';

/** What `ownerPageQuery` selects. */
export interface OwnerPageQuery {
  /** The columns, as the statement lists them. */
  columns: string;
  table: string;
  owner: ThreadOwner;
  /** Columns that must equal a value; an undefined value sets no condition. */
  equal: Readonly<Record<string, string | undefined>>;
  /** The order, newest first: a time column and an id column (`'started_at, id'`). */
  order: string;
  cursor?: string | undefined;
  /** The page's size: the statement reads one more, to tell whether more follow (`keysetPage`). */
  limit: number;
}

/**
 * The statement of one page of `owner`'s rows of a table, newest first, after `cursor`: its
 * text and parameters, read with `LIMIT limit + 1` for `keysetPage`.
 */
export function ownerPageQuery(query: OwnerPageQuery): { text: string; params: unknown[] } {
  const where = ownerCondition(query.owner, 1);
  const params: unknown[] = [...where.params];
  const conditions = [where.sql];
  for (const [column, value] of Object.entries(query.equal)) {
    if (value === undefined) continue;
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  const after = afterCursor(query.cursor, query.order, params);
  if (after !== undefined) conditions.push(after);
  params.push(query.limit + 1);
  const order = query.order
    .split(',')
    .map((column) => `${column.trim()} DESC`)
    .join(', ');
  return {
    text: `SELECT ${query.columns} FROM ${query.table} WHERE ${conditions.join(' AND ')}
     ORDER BY ${order} LIMIT $${params.length}`,
    params,
  };
}
