import type { SessionPrincipal } from '../../core/principal.js';
import type { JsonObject, JsonValue } from '../../core/thread-store.js';
import type { SuspendedCall, SuspendedCallKind, SuspendedRun } from '../../core/suspended-run-store.js';
import type { SqlQueryable } from './sql-engine.js';
import { ownerOf } from './sql-rows.js';

/** A row of `suspended_runs`, as `RUN_COLUMNS` selects it. */
export interface SuspendedRunRow {
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

/** A row of `suspended_calls`, as `CALL_COLUMNS` selects it. */
export interface SuspendedCallRow {
  run_id: string;
  tool_call_id: string;
  kind: SuspendedCallKind;
  nonce: string;
  tool_name: string;
  answer: JsonValue | null;
  answered_by_session: string | null;
}

/** The columns of `suspended_runs` a suspended run is read from and written to. */
export const RUN_COLUMNS =
  'run_id, api_key_hash, user_id, session_id, principal, thread_id, snapshot, suspended_at, expires_at';
/** The columns of `suspended_calls` a suspended call is read from and written to. */
export const CALL_COLUMNS = 'run_id, tool_call_id, kind, nonce, tool_name, answer, answered_by_session';

/** A suspension with no live claim: never claimed, or its claim lapsed (`$1` is now). */
export const UNCLAIMED = '(claim_until IS NULL OR claim_until <= $1) AND resumed_at IS NULL';
/** Every call of the suspended run `s` has its answer. */
export const ALL_ANSWERED =
  'NOT EXISTS (SELECT 1 FROM suspended_calls c WHERE c.run_id = s.run_id AND c.answer IS NULL)';

/** The suspended call a row holds. */
export const toCall = (row: SuspendedCallRow): SuspendedCall => ({
  toolCallId: row.tool_call_id,
  kind: row.kind,
  nonce: row.nonce,
  toolName: row.tool_name,
  ...(row.answer === null ? {} : { answer: row.answer }),
  ...(row.answered_by_session === null ? {} : { answeredBySession: row.answered_by_session }),
});

/** The suspended run a row holds, with its calls (read in `db`, a transaction or the engine). */
export async function loadRun(db: SqlQueryable, row: SuspendedRunRow): Promise<SuspendedRun> {
  const calls = await db.query<SuspendedCallRow>(
    `SELECT ${CALL_COLUMNS} FROM suspended_calls WHERE run_id = $1 ORDER BY tool_call_id`,
    [row.run_id],
  );
  return {
    runId: row.run_id,
    owner: ownerOf(row.api_key_hash, row.user_id),
    sessionId: row.session_id,
    ...(row.principal === null ? {} : { principal: row.principal }),
    threadId: row.thread_id,
    snapshot: row.snapshot,
    calls: calls.rows.map(toCall),
    suspendedAt: row.suspended_at,
    expiresAt: row.expires_at,
  };
}
