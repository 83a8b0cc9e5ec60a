import type { KeptAnswerOutcome, SuspendedAnswerOutcome } from '../../core/suspended-run-store.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { failClosed } from './store-errors.js';

/*
 * The one answer slot of a call (`kept_answers`, by run, call id and nonce): the first answer
 * given, live or to the suspended run, takes it; the suspended call then carries that answer.
 */

/**
 * Gives the unanswered calls of the runs `runs` names (a condition on `c.run_id`) the answers
 * kept for them: the same call, by id and nonce (a kept answer without a nonce names the id).
 */
export const applyKept = (runs: string): string =>
  `UPDATE suspended_calls c SET answer = k.answer, answered_by_session = k.answered_by_session
   FROM kept_answers k
   WHERE ${runs} AND k.run_id = c.run_id AND k.tool_call_id = c.tool_call_id
     AND (k.nonce IS NULL OR k.nonce = c.nonce) AND c.answer IS NULL`;

/**
 * Takes a call's one answer slot: inserts the kept answer, or replaces one kept for an earlier
 * call that had the same id (another nonce: OpenAI-compatible servers reuse \`call_0\`). Returns
 * a row only when this answer took the slot. Parameters: run, call id, nonce, answer, session.
 */
const TAKE_SLOT = `INSERT INTO kept_answers (run_id, tool_call_id, nonce, answer, answered_by_session)
  SELECT $1, $2, $3, $4::json, $5 WHERE EXISTS (SELECT 1 FROM runs WHERE id = $1)
  ON CONFLICT (run_id, tool_call_id) DO UPDATE
    SET nonce = EXCLUDED.nonce, answer = EXCLUDED.answer, answered_by_session = EXCLUDED.answered_by_session,
      executed_by = NULL, execution = NULL
    WHERE kept_answers.nonce IS NOT NULL AND EXCLUDED.nonce IS NOT NULL AND kept_answers.nonce <> EXCLUDED.nonce
  RETURNING 1`;

/** One answer to a call: whose, to which run and call (and the call's nonce when known). */
interface SlotAnswer {
  runId: string;
  toolCallId: string;
  answer: JsonValue;
  sessionId: string;
  nonce?: string | undefined;
}

/** `SuspendedRunStore.keepAnswer` on SQL: takes the slot, or says who has it. */
export const keepAnswerInSlot = (
  engine: SqlEngine,
  { runId, toolCallId, answer, sessionId, nonce }: SlotAnswer,
): Promise<KeptAnswerOutcome> =>
  failClosed('keepAnswer', () =>
    engine.transaction(async (tx) => {
      const taken = await tx.query(TAKE_SLOT, [
        runId,
        toolCallId,
        nonce ?? null,
        JSON.stringify(answer),
        sessionId,
      ]);
      if (taken.rowCount === 0) {
        const run = await tx.query('SELECT 1 FROM runs WHERE id = $1', [runId]);
        return run.rows.length === 0 ? ('missing' as const) : ('already_answered' as const);
      }
      // A run suspended before this answer was kept waits for it there.
      await tx.query(applyKept('c.run_id = $1 AND c.tool_call_id = $2'), [runId, toolCallId]);
      return 'kept' as const;
    }),
  );

/** `SuspendedRunStore.answer` on SQL: the suspended call's answer, through its slot. */
export const answerInSlot = (
  engine: SqlEngine,
  { runId, toolCallId, answer, sessionId }: SlotAnswer,
): Promise<SuspendedAnswerOutcome> =>
  failClosed('answerSuspendedCall', () =>
    engine.transaction(async (tx) => {
      const found = await tx.query<{ nonce: string; answer: JsonValue | null }>(
        'SELECT nonce, answer FROM suspended_calls WHERE run_id = $1 AND tool_call_id = $2',
        [runId, toolCallId],
      );
      const call = found.rows[0];
      if (call === undefined) return 'missing' as const;
      const taken =
        call.answer === null
          ? await tx.query(TAKE_SLOT, [runId, toolCallId, call.nonce, JSON.stringify(answer), sessionId])
          : { rowCount: 0 };
      if (taken.rowCount === 0) {
        // The slot is another answer's: make sure the call carries that one.
        await tx.query(applyKept('c.run_id = $1 AND c.tool_call_id = $2'), [runId, toolCallId]);
        return 'already_answered' as const;
      }
      await tx.query(
        `UPDATE suspended_calls SET answer = $3::json, answered_by_session = $4
             WHERE run_id = $1 AND tool_call_id = $2 AND answer IS NULL`,
        [runId, toolCallId, JSON.stringify(answer), sessionId],
      );
      return 'answered' as const;
    }),
  );
