import type { SqlQueryable } from '../../src/database/sql/sql-engine.js';

/**
 * Counts, straight from the tables, every row that still mentions `threadId` or one of
 * `runIds`: the thread, its messages, runs and approvals.
 */
export async function sqlRowsLeft(
  db: SqlQueryable,
  threadId: string,
  runIds: readonly string[],
): Promise<number> {
  const counted = await db.query<{ rows: number }>(
    `SELECT (SELECT count(*) FROM threads WHERE id = $1)
          + (SELECT count(*) FROM thread_messages WHERE thread_id = $1)
          + (SELECT count(*) FROM runs WHERE thread_id = $1 OR id = ANY($2::text[]))
          + (SELECT count(*) FROM approvals WHERE run_id = ANY($2::text[])) AS rows`,
    [threadId, [...runIds]],
  );
  return counted.rows[0]?.rows ?? -1;
}
