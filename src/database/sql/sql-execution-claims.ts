import type { ClaimedExecution, SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { failClosed } from './store-errors.js';

/** The methods of `SuspendedRunStore` that claim an approved call's execution and keep its outcome. */
export type SqlExecutionClaims = Pick<
  SuspendedRunStore,
  'claimExecution' | 'recordExecution' | 'executionOf'
>;

/**
 * The execution claim of an approved call, in its answer slot (`kept_answers.executed_by`): a
 * conditional UPDATE that only the first taker's statement finds unclaimed, so racing instances
 * agree without a lock held across calls. Taking the slot again for another nonce clears it.
 */
export function createSqlExecutionClaims(engine: SqlEngine): SqlExecutionClaims {
  return {
    claimExecution: (runId, toolCallId, claimer) =>
      failClosed('claimExecution', () =>
        engine.transaction(async (tx) => {
          const claimed = await tx.query(
            `UPDATE kept_answers SET executed_by = $3
             WHERE run_id = $1 AND tool_call_id = $2 AND executed_by IS NULL RETURNING 1`,
            [runId, toolCallId, claimer],
          );
          if (claimed.rowCount !== 0) return 'claimed' as const;
          const slot = await tx.query('SELECT 1 FROM kept_answers WHERE run_id = $1 AND tool_call_id = $2', [
            runId,
            toolCallId,
          ]);
          return slot.rows.length === 0 ? ('unkept' as const) : ('taken' as const);
        }),
      ),

    recordExecution: (runId, toolCallId, claimer, outcome) =>
      failClosed('recordExecution', async () => {
        await engine.query(
          `UPDATE kept_answers SET execution = $4::json
           WHERE run_id = $1 AND tool_call_id = $2 AND executed_by = $3`,
          [runId, toolCallId, claimer, JSON.stringify(outcome)],
        );
      }),

    executionOf: (runId, toolCallId) =>
      failClosed('executionOf', async (): Promise<ClaimedExecution | undefined> => {
        const found = await engine.query<{ executed_by: string | null; execution: JsonValue | null }>(
          'SELECT executed_by, execution FROM kept_answers WHERE run_id = $1 AND tool_call_id = $2',
          [runId, toolCallId],
        );
        const row = found.rows[0];
        if (row === undefined || row.executed_by === null) return undefined;
        return row.execution === null
          ? { claimer: row.executed_by }
          : { claimer: row.executed_by, outcome: row.execution };
      }),
  };
}
