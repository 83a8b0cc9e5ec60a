import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type { BackgroundRunStore } from '../../core/background-run-store.js';
import type { Page, RunRecordRow } from '../../core/thread-store.js';
import { clampLimit, keysetPage } from './page-cursor.js';
import { ownerPageQuery } from './owner-page-query.js';
import type { SqlEngine } from './sql-engine.js';
import { ownerCondition, RUN_COLUMNS, toRun, type RunRow } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import {
  BACKGROUND_COLUMNS,
  toBackgroundRun,
  WITH_OUTPUT,
  type BackgroundRunRow,
} from './sql-background-run-rows.js';

/** The methods of `BackgroundRunStore` over the runs themselves (not their webhooks). */
export type SqlBackgroundRuns = Pick<BackgroundRunStore, 'record' | 'recordOutput' | 'get' | 'listRuns'>;

/** Background runs and their answers in SQL, read by owner. */
export function createSqlBackgroundRuns(engine: SqlEngine): SqlBackgroundRuns {
  return {
    record: (run) =>
      failClosed('recordBackgroundRun', async () => {
        await engine.query(
          `INSERT INTO background_runs (${BACKGROUND_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11::jsonb) ON CONFLICT (run_id) DO NOTHING`,
          [
            run.runId,
            run.owner.apiKeyHash,
            run.owner.user ?? null,
            run.sessionId,
            run.threadId,
            JSON.stringify(run.metadata),
            run.webhook?.url ?? null,
            run.webhook?.secret ?? null,
            run.scheduleId ?? null,
            run.createdAt,
            run.webhook?.events === undefined ? null : JSON.stringify(run.webhook.events),
          ],
        );
      }),

    recordOutput: (runId, threadId, output) =>
      failClosed('recordRunOutput', async () => {
        // An answer of a thread deleted meanwhile is not kept (it would outlive the thread).
        await engine.query(
          `INSERT INTO run_outputs (run_id, thread_id, output, truncated)
           SELECT $1, $2, $3, $4 WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM threads WHERE id = $2)
           ON CONFLICT (run_id) DO UPDATE SET output = EXCLUDED.output, truncated = EXCLUDED.truncated`,
          [runId, threadId, output.text, output.truncated],
        );
      }),

    get: (owner, runId) =>
      failClosed('getBackgroundRun', async () => {
        const where = ownerCondition(owner, 2, { key: 'b.api_key_hash', user: 'b.user_id' });
        const found = await engine.query<BackgroundRunRow>(
          `SELECT ${WITH_OUTPUT} FROM background_runs b LEFT JOIN run_outputs o ON o.run_id = b.run_id
           WHERE b.run_id = $1 AND ${where.sql}`,
          [runId, ...where.params],
        );
        const row = found.rows[0];
        return row === undefined ? undefined : toBackgroundRun(row);
      }),

    listRuns: (owner, filter, page) =>
      failClosed('listOwnerRuns', async (): Promise<Page<RunRecordRow>> => {
        const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
        const { text, params } = ownerPageQuery({
          columns: RUN_COLUMNS,
          table: 'runs',
          owner,
          equal: { thread_id: filter.threadId, status: filter.status },
          order: 'started_at, id',
          cursor: page.cursor,
          limit,
        });
        const found = await engine.query<RunRow>(text, params);
        return keysetPage(found.rows, limit, toRun, (run) => ({ at: run.startedAt, id: run.id }));
      }),
  };
}
