import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { SqlQueryable } from './sql-engine.js';

/** Rejects a batch size that is not a positive integer. */
export function checkBatchLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new GatewayError(GatewayErrorCode.InvalidOption, `limit must be a positive integer, got ${limit}`);
  }
}

/**
 * Deletes up to `limit` threads last updated before `cutoff`, oldest first, in one statement;
 * the schema cascades to their messages, runs and approvals. `FOR UPDATE SKIP LOCKED` lets
 * instances sweep at once without waiting on each other: each takes rows the others do not
 * hold, and a thread a run is appending to (its row locked) is left for a later sweep, which
 * finds it updated. Resolves how many threads were deleted.
 */
export async function deleteIdleThreads(db: SqlQueryable, cutoff: number, limit: number): Promise<number> {
  checkBatchLimit(limit);
  const deleted = await db.query(
    `DELETE FROM threads WHERE id IN (
       SELECT id FROM threads WHERE updated_at < $1
       ORDER BY updated_at LIMIT $2
       FOR UPDATE SKIP LOCKED)`,
    [cutoff, limit],
  );
  return deleted.rowCount;
}
