import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { ownerCondition } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import { answerInSlot, keepAnswerInSlot } from './sql-answer-slot.js';
import { toCall, type SuspendedCallRow } from './sql-suspended-run-rows.js';

/** The methods of `SuspendedRunStore` that find a suspended run's calls and answer them. */
export type SuspendedCallAnswers = Pick<
  SuspendedRunStore,
  'keepAnswer' | 'keptAnswers' | 'findCall' | 'pendingAnswers' | 'answer'
>;

/** Finding a suspended run's calls and answering them, in SQL (each answer in its one slot). */
export function createSqlSuspendedCalls(engine: SqlEngine): SuspendedCallAnswers {
  return {
    keepAnswer: (runId, toolCallId, answer, sessionId, nonce) =>
      keepAnswerInSlot(engine, { runId, toolCallId, answer, sessionId, nonce }),

    keptAnswers: (runId) =>
      failClosed('keptAnswers', async () => {
        const kept = await engine.query<{ tool_call_id: string; answer: JsonValue }>(
          'SELECT tool_call_id, answer FROM kept_answers WHERE run_id = $1',
          [runId],
        );
        return new Map(kept.rows.map((row) => [row.tool_call_id, row.answer]));
      }),

    findCall: (owner, toolCallId, nonce) =>
      failClosed('findSuspendedCall', async () => {
        const where = ownerCondition(owner, 3, { key: 's.api_key_hash', user: 's.user_id' });
        const found = await engine.query<SuspendedCallRow & { expires_at: number }>(
          `SELECT c.run_id, c.tool_call_id, c.kind, c.nonce, c.tool_name, c.answer, c.answered_by_session,
                  s.expires_at
           FROM suspended_calls c JOIN suspended_runs s ON s.run_id = c.run_id
           WHERE c.tool_call_id = $1 AND c.nonce = $2 AND ${where.sql}`,
          [toolCallId, nonce, ...where.params],
        );
        const row = found.rows[0];
        return row === undefined
          ? undefined
          : { runId: row.run_id, call: toCall(row), expiresAt: row.expires_at };
      }),

    pendingAnswers: (owner, runId) =>
      failClosed('openSuspendedCalls', async () => {
        const where = ownerCondition(owner, 2, { key: 's.api_key_hash', user: 's.user_id' });
        const found = await engine.query<SuspendedCallRow & { resumed_at: number | null }>(
          `SELECT c.run_id, c.tool_call_id, c.kind, c.nonce, c.tool_name, c.answer, c.answered_by_session,
                  s.resumed_at
           FROM suspended_runs s LEFT JOIN suspended_calls c ON c.run_id = s.run_id
           WHERE s.run_id = $1 AND ${where.sql}`,
          [runId, ...where.params],
        );
        if (found.rows.length === 0 || found.rows.some((row) => row.resumed_at !== null)) return undefined;
        return found.rows
          .filter((row) => row.tool_call_id !== null)
          .map(toCall)
          .filter((call) => call.answer === undefined);
      }),

    answer: (runId, toolCallId, answer, sessionId) =>
      answerInSlot(engine, { runId, toolCallId, answer, sessionId }),
  };
}
