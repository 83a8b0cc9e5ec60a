import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { SqlEngine } from './sql-engine.js';
import { failClosed } from './store-errors.js';
import { applyKept } from './sql-answer-slot.js';
import {
  ALL_ANSWERED,
  loadRun,
  RUN_COLUMNS,
  UNCLAIMED,
  type SuspendedRunRow,
} from './sql-suspended-run-rows.js';

/** The methods of `SuspendedRunStore` that find the runs to resume and claim or cancel them. */
export type SuspendedRunResumption = Pick<SuspendedRunStore, 'claim' | 'cancel' | 'due' | 'ofThread'>;

/**
 * Finding suspended runs to resume and claiming or cancelling one, in SQL: a claim is a
 * conditional UPDATE on the claim's lease, a cancel a DELETE on the same condition, so racing
 * instances agree without locks held across calls.
 */
export function createSqlSuspendedRunResumption(engine: SqlEngine): SuspendedRunResumption {
  return {
    claim: (runId, claimer, leaseMs, now) =>
      failClosed('claimSuspendedRun', () =>
        engine.transaction(async (tx) => {
          await tx.query(applyKept('c.run_id = $1'), [runId]);
          const claimed = await tx.query<SuspendedRunRow>(
            `UPDATE suspended_runs s SET claimed_by = $3, claim_until = $4
             WHERE s.run_id = $2 AND ${UNCLAIMED} AND (s.expires_at <= $1 OR ${ALL_ANSWERED})
               AND EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id AND r.status = 'suspended')
             RETURNING ${RUN_COLUMNS.split(', ')
               .map((column) => `s.${column}`)
               .join(', ')}`,
            [now, runId, claimer, now + leaseMs],
          );
          const row = claimed.rows[0];
          if (row === undefined) return undefined;
          await tx.query(`UPDATE runs SET status = 'running' WHERE id = $1`, [runId]);
          return loadRun(tx, row);
        }),
      ),

    cancel: (runId, now) =>
      failClosed('cancelSuspendedRun', () =>
        engine.transaction(async (tx) => {
          // The same row and condition as a claim: whichever takes the row first wins.
          const cancelled = await tx.query(
            `DELETE FROM suspended_runs s
             WHERE s.run_id = $2 AND ${UNCLAIMED}
               AND EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id AND r.status = 'suspended')
             RETURNING s.run_id`,
            [now, runId],
          );
          if (cancelled.rows.length === 0) return false;
          await tx.query(
            `UPDATE runs SET status = 'cancelled', outcome_code = 'cancelled', ended_at = $2 WHERE id = $1`,
            [runId, now],
          );
          return true;
        }),
      ),

    due: (now, limit) =>
      failClosed('dueSuspendedRuns', async () => {
        // Answers kept after their run was suspended (their instance went on to deliver them).
        await engine.query(
          applyKept(
            `c.answer IS NULL AND c.run_id IN (SELECT run_id FROM suspended_runs WHERE resumed_at IS NULL)`,
          ),
          [],
        );
        const resumable = await engine.query<{ run_id: string }>(
          `SELECT s.run_id FROM suspended_runs s WHERE ${UNCLAIMED} AND ${ALL_ANSWERED}
           ORDER BY s.suspended_at LIMIT $2`,
          [now, limit],
        );
        const expired = await engine.query<{ run_id: string }>(
          `SELECT s.run_id FROM suspended_runs s WHERE ${UNCLAIMED} AND s.expires_at <= $1 AND NOT ${ALL_ANSWERED}
           ORDER BY s.suspended_at LIMIT $2`,
          [now, limit],
        );
        return {
          resumable: resumable.rows.map((row) => row.run_id),
          expired: expired.rows.map((row) => row.run_id),
        };
      }),

    ofThread: (threadId) =>
      failClosed('suspendedRunOfThread', async () => {
        const found = await engine.query<{ run_id: string }>(
          'SELECT run_id FROM suspended_runs WHERE thread_id = $1 AND resumed_at IS NULL LIMIT 1',
          [threadId],
        );
        return found.rows[0]?.run_id;
      }),
  };
}
