import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { JsonObject, JsonValue } from '../../core/thread-store.js';
import type {
  SuspendedCall,
  SuspendedCallKind,
  SuspendedRun,
  SuspendedRunStore,
} from '../../core/suspended-run-store.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import { ownerCondition } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import { answerInSlot, applyKept, keepAnswerInSlot } from './sql-answer-slot.js';

interface SuspendedRunRow {
  run_id: string;
  api_key_hash: string;
  user_id: string | null;
  session_id: string;
  principal: SessionPrincipal | null;
  thread_id: string | null;
  snapshot: JsonObject;
  suspended_at: number;
  expires_at: number;
}

interface SuspendedCallRow {
  run_id: string;
  tool_call_id: string;
  kind: SuspendedCallKind;
  nonce: string;
  tool_name: string;
  answer: JsonValue | null;
  answered_by_session: string | null;
}

const RUN_COLUMNS =
  'run_id, api_key_hash, user_id, session_id, principal, thread_id, snapshot, suspended_at, expires_at';
const CALL_COLUMNS = 'run_id, tool_call_id, kind, nonce, tool_name, answer, answered_by_session';

const toCall = (row: SuspendedCallRow): SuspendedCall => ({
  toolCallId: row.tool_call_id,
  kind: row.kind,
  nonce: row.nonce,
  toolName: row.tool_name,
  ...(row.answer === null ? {} : { answer: row.answer }),
  ...(row.answered_by_session === null ? {} : { answeredBySession: row.answered_by_session }),
});

async function loadRun(db: SqlQueryable, row: SuspendedRunRow): Promise<SuspendedRun> {
  const calls = await db.query<SuspendedCallRow>(
    `SELECT ${CALL_COLUMNS} FROM suspended_calls WHERE run_id = $1 ORDER BY tool_call_id`,
    [row.run_id],
  );
  return {
    runId: row.run_id,
    owner:
      row.user_id === null
        ? { apiKeyHash: row.api_key_hash }
        : { apiKeyHash: row.api_key_hash, user: row.user_id },
    sessionId: row.session_id,
    ...(row.principal === null ? {} : { principal: row.principal }),
    threadId: row.thread_id,
    snapshot: row.snapshot,
    calls: calls.rows.map(toCall),
    suspendedAt: row.suspended_at,
    expiresAt: row.expires_at,
  };
}

/** A suspension with no live claim: never claimed, or its claim lapsed. */
const UNCLAIMED = '(claim_until IS NULL OR claim_until <= $1) AND resumed_at IS NULL';
const ALL_ANSWERED =
  'NOT EXISTS (SELECT 1 FROM suspended_calls c WHERE c.run_id = s.run_id AND c.answer IS NULL)';

/**
 * Suspended runs in the SQL store (tables `suspended_runs` and `suspended_calls`). An answer is
 * stored with a conditional UPDATE (`answer IS NULL`), a resumption claimed with a conditional
 * UPDATE on the claim's lease, so racing instances agree without locks held across calls.
 */
// eslint-disable-next-line max-lines-per-function -- 218 lines (every method of SuspendedRunStore in one factory): to be split by concern
export function createSqlSuspendedRunStore(engine: SqlEngine): SuspendedRunStore {
  return {
    suspend: (run, limits, hold) =>
      failClosed('suspendRun', () =>
        engine.transaction(async (tx) => {
          await tx.query('DELETE FROM suspended_runs WHERE run_id = $1', [run.runId]);
          if (limits?.maxRunsOfOwner !== undefined) {
            // Suspensions are rare (a run waited suspendAfterMs): a count over the table is fine.
            const where = ownerCondition(run.owner, 1);
            const others = await tx.query<{ held: number }>(
              `SELECT count(*)::int AS held FROM suspended_runs WHERE ${where.sql} AND resumed_at IS NULL`,
              where.params,
            );
            const held = others.rows[0]?.held ?? 0;
            if (held >= limits.maxRunsOfOwner) {
              throw new GatewayError(
                GatewayErrorCode.LimitReached,
                `the owner has ${held} runs suspended (at most ${limits.maxRunsOfOwner})`,
              );
            }
          }
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

    openCalls: (owner, runId) =>
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
