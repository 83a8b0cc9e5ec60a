import { ANSWER_SURFACES, type AnswerSurface } from '../../core/approval.js';
import {
  inboxStateOf,
  type ApprovalInboxStore,
  type InboxAnswer,
  type InboxApproval,
  type InboxDecision,
  type InboxItemKind,
  type InboxQuery,
} from '../../core/approval-inbox-store.js';
import type { ApproverPrincipal, JsonObject, ThreadOwner } from '../../core/thread-store.js';
import { afterCursor, clampLimit, keysetPage } from './page-cursor.js';
import type { SqlQueryable } from './sql-engine.js';
import { ownerCondition, ownerOf } from './sql-rows.js';
import { failClosed } from './store-errors.js';

/** The most approvals one page lists. */
export const MAX_INBOX_PAGE = 200;

interface InboxRow {
  approval_id: string;
  kind: InboxItemKind;
  run_id: string;
  tool_call_id: string;
  thread_id: string | null;
  session_id: string;
  nonce: string;
  tool_name: string;
  input: JsonObject;
  api_key_hash: string;
  user_id: string | null;
  principal: ApproverPrincipal | null;
  tenant_key: string | null;
  requested_at: number;
  expires_at: number;
  decision: InboxDecision | null;
  /** Who answered, with the surface it answered on (`surface`) kept in the same JSON. */
  answered_by: (ThreadOwner & { principal?: ApproverPrincipal; surface?: string }) | null;
  answered_at: number | null;
  reason: string | null;
  run_status: string | null;
  suspended_until: number | null;
  title: string | null;
}

const COLUMNS = `a.approval_id, a.kind, a.run_id, a.tool_call_id, a.thread_id, a.session_id, a.nonce, a.tool_name,
  a.input, a.api_key_hash, a.user_id, a.principal, a.tenant_key, a.requested_at, a.expires_at,
  a.decision, a.answered_by, a.answered_at, a.reason, r.status AS run_status,
  s.expires_at AS suspended_until, t.title`;

const FROM = `approval_requests a
  LEFT JOIN runs r ON r.id = a.run_id
  LEFT JOIN suspended_runs s ON s.run_id = a.run_id AND s.resumed_at IS NULL
  LEFT JOIN threads t ON t.id = a.thread_id`;

/**
 * A pending approval: unanswered, its run still running or suspended, not past its expiry (a
 * suspended run's own), and no answer stored for it yet on its way to the run (kept on the live
 * path, or stored in the suspended run). Written on `a` alone, so that a page walks its index
 * newest first and stops at its limit, rather than joining every pending row and sorting.
 */
const PENDING = `a.decision IS NULL
  AND EXISTS (SELECT 1 FROM runs r WHERE r.id = a.run_id AND r.status IN ('running', 'suspended'))
  AND COALESCE((SELECT s.expires_at FROM suspended_runs s WHERE s.run_id = a.run_id AND s.resumed_at IS NULL),
    a.expires_at) > $NOW
  AND NOT EXISTS (SELECT 1 FROM kept_answers k WHERE k.run_id = a.run_id AND k.tool_call_id = a.tool_call_id)
  AND NOT EXISTS (SELECT 1 FROM suspended_calls c
    WHERE c.run_id = a.run_id AND c.tool_call_id = a.tool_call_id AND c.answer IS NOT NULL)`;

const isSurface = (value: unknown): value is AnswerSurface =>
  ANSWER_SURFACES.includes(value as AnswerSurface);

/** The answer of a row: the surface is read out of `answered_by`, where it is written. */
const answerOfRow = (row: InboxRow): InboxAnswer | undefined => {
  if (row.decision === null || row.answered_at === null) return undefined;
  const stored = row.answered_by;
  const surface = stored?.surface;
  const answeredBy =
    stored === null
      ? undefined
      : {
          apiKeyHash: stored.apiKeyHash,
          ...(stored.user === undefined ? {} : { user: stored.user }),
          ...(stored.principal === undefined ? {} : { principal: stored.principal }),
        };
  return {
    decision: row.decision,
    answeredAt: row.answered_at,
    ...(answeredBy === undefined ? {} : { answeredBy }),
    ...(isSurface(surface) ? { surface } : {}),
    ...(row.reason === null ? {} : { reason: row.reason }),
  };
};

const toApproval = (row: InboxRow): InboxApproval => {
  const answer = answerOfRow(row);
  return {
    approvalId: row.approval_id,
    kind: row.kind,
    runId: row.run_id,
    toolCallId: row.tool_call_id,
    threadId: row.thread_id,
    sessionId: row.session_id,
    nonce: row.nonce,
    toolName: row.tool_name,
    input: row.input,
    requester: {
      owner: ownerOf(row.api_key_hash, row.user_id),
      ...(row.principal === null ? {} : { principal: row.principal }),
      ...(row.tenant_key === null ? {} : { tenantKey: row.tenant_key }),
    },
    requestedAt: row.requested_at,
    expiresAt: row.suspended_until ?? row.expires_at,
    state: inboxStateOf(answer, row.run_status ?? undefined),
    threadTitle: row.title,
    ...(answer === undefined ? {} : { answer }),
  };
};

/**
 * The statement of one page of `query`, with `LIMIT limit + 1` for `keysetPage`, and its
 * prepared name: the text depends only on the status, whether the owner is a key's own, the
 * tenant and the cursor, so each of those sixteen shapes is planned once per connection. The
 * page's ids are chosen first, from the owner's index and (with a tenant) the tenant's, each
 * walked newest first; only those rows are then joined to their run and thread.
 */
function pageStatement(
  query: InboxQuery,
  limit: number,
): { text: string; params: unknown[]; prepared: string } {
  const own = ownerCondition(query.owner, 1, { key: 'a.api_key_hash', user: 'a.user_id' });
  const params: unknown[] = [...own.params];
  const pending = query.status === 'pending';
  const shared: string[] = [];
  if (pending) {
    params.push(query.now);
    shared.push(PENDING.replace('$NOW', `$${params.length}`));
  } else {
    shared.push('a.decision IS NOT NULL');
  }
  const at = pending ? 'a.requested_at' : 'a.answered_at';
  const after = afterCursor(query.cursor, `${at}, a.approval_id`, params);
  if (after !== undefined) shared.push(after);
  params.push(limit + 1);
  const limitParam = `$${params.length}`;
  const orderBy = `${at} DESC, a.approval_id DESC`;
  const branch = (whose: string): string =>
    `(SELECT a.approval_id FROM approval_requests a WHERE ${[whose, ...shared].join(' AND ')}
      ORDER BY ${orderBy} LIMIT ${limitParam})`;
  let ids = branch(own.sql);
  if (query.tenantKey !== undefined) {
    params.push(query.tenantKey);
    ids = `${branch(`a.tenant_key = $${params.length}`)} UNION ${ids}`;
  }
  const shape = [
    query.status,
    query.owner.user === undefined ? 'key' : 'user',
    query.tenantKey === undefined ? 'own' : 'tenant',
    after === undefined ? 'first' : 'after',
  ];
  return {
    text: `SELECT ${COLUMNS} FROM ${FROM} WHERE a.approval_id IN (${ids})
      ORDER BY ${orderBy} LIMIT ${limitParam}`,
    params,
    prepared: `inbox_list_${shape.join('_')}`,
  };
}

/** The approvals inbox over the SQL dialect of the thread store (PostgreSQL and PGlite). */
export function createSqlApprovalInboxStore(engine: SqlQueryable): ApprovalInboxStore {
  return {
    request: (approval) =>
      failClosed('inbox request', async () => {
        const { requester } = approval;
        const result = await engine.query<{ inserted: boolean }>(
          `INSERT INTO approval_requests (approval_id, run_id, tool_call_id, thread_id, session_id, nonce,
             tool_name, input, api_key_hash, user_id, principal, tenant_key, requested_at, expires_at, kind)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9, $10, $11::json, $12, $13, $14, $15)
           ON CONFLICT (approval_id) DO UPDATE
             SET session_id = EXCLUDED.session_id, nonce = EXCLUDED.nonce, expires_at = EXCLUDED.expires_at
             WHERE approval_requests.decision IS NULL
           RETURNING (xmax = 0) AS inserted`,
          [
            approval.approvalId,
            approval.runId,
            approval.toolCallId,
            approval.threadId,
            approval.sessionId,
            approval.nonce,
            approval.toolName,
            JSON.stringify(approval.input),
            requester.owner.apiKeyHash,
            requester.owner.user ?? null,
            requester.principal === undefined ? null : JSON.stringify(requester.principal),
            requester.tenantKey ?? null,
            approval.requestedAt,
            approval.expiresAt,
            approval.kind ?? 'tool_approval',
          ],
        );
        // xmax is 0 for a row this statement inserted, set for one it updated.
        return result.rows[0]?.inserted === true;
      }),

    settle: (approvalId, answer) =>
      failClosed('inbox settle', async () => {
        const result = await engine.query(
          `UPDATE approval_requests SET decision = $2, answered_by = $3::json, answered_at = $4, reason = $5
           WHERE approval_id = $1 AND decision IS NULL`,
          [
            approvalId,
            answer.decision,
            // The surface rides in the same JSON column: no table change for it.
            answer.answeredBy === undefined
              ? null
              : JSON.stringify({
                  ...answer.answeredBy,
                  ...(answer.surface === undefined ? {} : { surface: answer.surface }),
                }),
            answer.answeredAt,
            answer.reason ?? null,
          ],
        );
        return result.rowCount > 0;
      }),

    get: (approvalId) =>
      failClosed('inbox get', async () => {
        const result = await engine.query<InboxRow>(
          `SELECT ${COLUMNS} FROM ${FROM} WHERE a.approval_id = $1`,
          [approvalId],
          'inbox_get',
        );
        const row = result.rows[0];
        return row === undefined ? undefined : toApproval(row);
      }),

    list: (query) =>
      failClosed('inbox list', async () => {
        const limit = clampLimit(query.limit, MAX_INBOX_PAGE);
        const statement = pageStatement(query, limit);
        const result = await engine.query<InboxRow>(statement.text, statement.params, statement.prepared);
        return keysetPage(result.rows, limit, toApproval, (item) => ({
          at: query.status === 'pending' ? item.requestedAt : (item.answer?.answeredAt ?? 0),
          id: item.approvalId,
        }));
      }),
  };
}
