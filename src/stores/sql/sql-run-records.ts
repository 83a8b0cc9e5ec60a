import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { ThreadStore } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { failClosed } from './store-errors.js';

/** The run and approval writes of the SQL thread store. */
export type SqlRunRecords = Pick<ThreadStore, 'recordRunStart' | 'recordRunEnd' | 'recordApproval'> &
  Required<Pick<ThreadStore, 'finishRun'>>;

/** Messages as one JSON array parameter (`json_array_elements` numbers them in SQL). */
export const serializeMessages = (messages: readonly unknown[]): string => JSON.stringify(messages);

/**
 * Records runs and approval decisions. A run's end and its thread's new messages are one
 * statement (`finishRun`): the thread's row is touched (which locks it) only when there are
 * messages, they are inserted at their sequence numbers (a position written already keeps what
 * it has), and the run's record is inserted whole or completed, unless its thread was deleted
 * meanwhile, which keeps nothing of the run.
 */
export function createSqlRunRecords(engine: SqlEngine): SqlRunRecords {
  return {
    recordRunStart: (run) =>
      failClosed('recordRunStart', async () => {
        await engine.query(
          `INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, started_at)
           VALUES ($1, $2, $3, $4, $5, 'running', $6)
           ON CONFLICT (id) DO NOTHING`,
          [run.id, run.threadId, run.owner.apiKeyHash, run.owner.user ?? null, run.model, run.startedAt],
        );
      }),

    recordRunEnd: (runId, end) =>
      failClosed('recordRunEnd', async () => {
        await engine.query(
          `UPDATE runs SET status = $2, outcome_code = $3, turns = $4, usage = $5::jsonb,
             estimated_cost_usd = $6, ended_at = $7
           WHERE id = $1`,
          [
            runId,
            end.status,
            end.outcomeCode,
            end.turns,
            end.usage === null ? null : JSON.stringify(end.usage),
            end.estimatedCostUsd,
            end.endedAt,
          ],
        );
      }),

    finishRun: (run, append) =>
      failClosed('finishRun', async () => {
        const messages = append?.messages ?? [];
        if (append !== undefined && (!Number.isSafeInteger(append.firstSeq) || append.firstSeq < 0)) {
          throw new GatewayError(GatewayErrorCode.Internal, `finishRun: invalid firstSeq ${append.firstSeq}`);
        }
        const at = run.endedAt ?? Date.now();
        await engine.query(
          `WITH thread AS (
             UPDATE threads SET updated_at = greatest(updated_at, $13)
             WHERE id = $2::text AND $14::int > 0 RETURNING id
           ), added AS (
             INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at)
             SELECT thread.id, $15::int + ordinality - 1, $1::text, value, $13
             FROM thread, json_array_elements($16::json) WITH ORDINALITY
             ON CONFLICT (thread_id, seq) DO NOTHING
           )
           INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, outcome_code, turns,
             usage, estimated_cost_usd, started_at, ended_at)
           SELECT $1::text, $2::text, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12
           WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM threads WHERE id = $2::text)
           ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, outcome_code = EXCLUDED.outcome_code,
             turns = EXCLUDED.turns, usage = EXCLUDED.usage,
             estimated_cost_usd = EXCLUDED.estimated_cost_usd, ended_at = EXCLUDED.ended_at`,
          [
            run.id,
            run.threadId,
            run.owner.apiKeyHash,
            run.owner.user ?? null,
            run.model,
            run.status,
            run.outcomeCode,
            run.turns,
            run.usage === null ? null : JSON.stringify(run.usage),
            run.estimatedCostUsd,
            run.startedAt,
            run.endedAt,
            at,
            messages.length,
            append?.firstSeq ?? 0,
            serializeMessages(messages),
          ],
        );
      }),

    recordApproval: (decision) =>
      failClosed('recordApproval', async () => {
        await engine.query(
          `INSERT INTO approvals (run_id, tool_call_id, tool_name, input_hash, decision, always_allow,
             answered_by_key, answered_by_user, answered_by_session, answered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (run_id, tool_call_id) DO NOTHING`,
          [
            decision.runId,
            decision.toolCallId,
            decision.toolName,
            decision.inputHash,
            decision.decision,
            decision.alwaysAllow,
            decision.answeredBy.apiKeyHash,
            decision.answeredBy.user ?? null,
            decision.answeredBy.sessionId,
            decision.answeredAt,
          ],
        );
      }),
  };
}
