import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { SuspendedRun, SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import { capOwnerCondition } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import { applyKept } from './sql-answer-slot.js';
import { CALL_COLUMNS, RUN_COLUMNS } from './sql-suspended-run-rows.js';

/** The methods of `SuspendedRunStore` that write, hold and forget a suspended run. */
export type SuspendedRunWrites = Pick<
  SuspendedRunStore,
  'suspend' | 'release' | 'markResumed' | 'purgeResumed' | 'remove'
>;

/** Refuses a suspension past the owner's `maxRunsOfOwner` (counted in the same transaction). */
async function checkOwnerLimit(tx: SqlQueryable, run: SuspendedRun, maxRunsOfOwner: number): Promise<void> {
  // Suspensions are rare (a run waited suspendAfterMs): a count over the table is fine.
  // The cap's owner: anonymous sessions of a key count together (`capOwnerKey`).
  const where = capOwnerCondition(run.owner, 1);
  const others = await tx.query<{ held: number }>(
    `SELECT count(*)::int AS held FROM suspended_runs WHERE ${where.sql} AND resumed_at IS NULL`,
    where.params,
  );
  const held = others.rows[0]?.held ?? 0;
  if (held >= maxRunsOfOwner) {
    throw new GatewayError(
      GatewayErrorCode.LimitReached,
      `the owner has ${held} runs suspended (at most ${maxRunsOfOwner})`,
    );
  }
}

/** Inserts the run's row and one row per call. */
async function insertRun(tx: SqlQueryable, run: SuspendedRun): Promise<void> {
  await tx.query(
    `INSERT INTO suspended_runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5::json, $6, $7::json, $8, $9)`,
    [
      run.runId,
      run.owner.apiKeyHash,
      run.owner.user ?? null,
      run.sessionId,
      run.principal === undefined ? null : JSON.stringify(run.principal),
      run.threadId,
      JSON.stringify(run.snapshot),
      run.suspendedAt,
      run.expiresAt,
    ],
  );
  for (const call of run.calls) {
    await tx.query(
      `INSERT INTO suspended_calls (${CALL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::json, $7)`,
      [
        run.runId,
        call.toolCallId,
        call.kind,
        call.nonce,
        call.toolName,
        call.answer === undefined ? null : JSON.stringify(call.answer),
        call.answeredBySession ?? null,
      ],
    );
  }
}

/** Writing a suspended run, releasing its hold, marking it resumed and forgetting it, in SQL. */
export function createSqlSuspendedRunWrites(engine: SqlEngine): SuspendedRunWrites {
  return {
    suspend: (run, limits, hold) =>
      failClosed('suspendRun', () =>
        engine.transaction(async (tx) => {
          await tx.query('DELETE FROM suspended_runs WHERE run_id = $1', [run.runId]);
          if (limits?.maxRunsOfOwner !== undefined) await checkOwnerLimit(tx, run, limits.maxRunsOfOwner);
          await insertRun(tx, run);
          if (hold !== undefined) {
            await tx.query('UPDATE suspended_runs SET claimed_by = $2, claim_until = $3 WHERE run_id = $1', [
              run.runId,
              hold.holder,
              hold.until,
            ]);
          }
          await tx.query(applyKept('c.run_id = $1'), [run.runId]);
          // A run that ended while its suspension was being written keeps its end.
          await tx.query(`UPDATE runs SET status = 'suspended' WHERE id = $1 AND status = 'running'`, [
            run.runId,
          ]);
        }),
      ),

    release: (runId, holder) =>
      failClosed('releaseSuspendedRun', async () => {
        await engine.query(
          `UPDATE suspended_runs SET claimed_by = NULL, claim_until = NULL
           WHERE run_id = $1 AND claimed_by = $2 AND resumed_at IS NULL`,
          [runId, holder],
        );
      }),

    markResumed: (runId, now) =>
      failClosed('markSuspendedRunResumed', async () => {
        await engine.query(
          'UPDATE suspended_runs SET resumed_at = $2 WHERE run_id = $1 AND resumed_at IS NULL',
          [runId, now],
        );
      }),

    purgeResumed: (now) =>
      failClosed('purgeResumedRuns', async () => {
        const purged = await engine.query(
          'DELETE FROM suspended_runs WHERE resumed_at IS NOT NULL AND expires_at < $1',
          [now],
        );
        return purged.rowCount;
      }),

    remove: (runId) =>
      failClosed('removeSuspendedRun', async () => {
        await engine.query('DELETE FROM suspended_runs WHERE run_id = $1', [runId]);
      }),
  };
}
