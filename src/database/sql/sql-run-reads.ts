import type {
  ApprovalRecordRow,
  Page,
  RunRecordRow,
  ThreadOwner,
  ThreadStore,
} from '../../core/thread-store.js';
import { THREAD_LIMITS } from '../../core/thread-limits.js';
import { afterCursor, clampLimit, keysetPage } from './page-cursor.js';
import { selectOwnedRow } from './select-owned-row.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import {
  APPROVAL_COLUMNS,
  ownerCondition,
  RUN_COLUMNS,
  toApproval,
  toRun,
  type ApprovalRow,
  type RunRow,
} from './sql-rows.js';
import { failClosed } from './store-errors.js';

/** The reads of run records: one run, a page of a thread's runs, a run's approvals. */
export type SqlRunReads = Pick<ThreadStore, 'getRun' | 'listRuns' | 'listApprovals'>;

/**
 * The run reads of the SQL thread store, each scoped by owner in its WHERE clause (another
 * owner's run or thread reads exactly like a missing one).
 */
export function createSqlRunReads(engine: SqlEngine): SqlRunReads {
  /** Whether `owner` owns the thread. */
  const ownedThread = async (db: SqlQueryable, owner: ThreadOwner, threadId: string): Promise<boolean> => {
    const where = ownerCondition(owner, 2);
    const found = await db.query(`SELECT 1 FROM threads WHERE id = $1 AND ${where.sql}`, [
      threadId,
      ...where.params,
    ]);
    return found.rows.length > 0;
  };

  return {
    getRun: (owner, runId) =>
      failClosed('getRun', () =>
        selectOwnedRow(engine, { table: 'runs', columns: RUN_COLUMNS }, owner, runId, toRun),
      ),

    listRuns: (owner, threadId, page) =>
      failClosed('listRuns', () =>
        engine.transaction(async (tx): Promise<Page<RunRecordRow> | undefined> => {
          if (!(await ownedThread(tx, owner, threadId))) return undefined;
          const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
          // The owner's runs only: the thread's owner is no proof that every run of it is theirs.
          const where = ownerCondition(owner, 2);
          const params: unknown[] = [threadId, ...where.params];
          const after = afterCursor(page.cursor, 'started_at, id', params);
          params.push(limit + 1);
          const found = await tx.query<RunRow>(
            `SELECT ${RUN_COLUMNS} FROM runs WHERE thread_id = $1 AND ${where.sql}${after === undefined ? '' : ` AND ${after}`}
             ORDER BY started_at DESC, id DESC LIMIT $${params.length}`,
            params,
          );
          return keysetPage(found.rows, limit, toRun, (run) => ({ at: run.startedAt, id: run.id }));
        }),
      ),

    listApprovals: (owner, runId) =>
      failClosed('listApprovals', () =>
        engine.transaction(async (tx): Promise<ApprovalRecordRow[] | undefined> => {
          const where = ownerCondition(owner, 2);
          const run = await tx.query(`SELECT 1 FROM runs WHERE id = $1 AND ${where.sql}`, [
            runId,
            ...where.params,
          ]);
          if (run.rows.length === 0) return undefined;
          const found = await tx.query<ApprovalRow>(
            `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE run_id = $1 ORDER BY answered_at, ordinal`,
            [runId],
          );
          return found.rows.map(toApproval);
        }),
      ),
  };
}
