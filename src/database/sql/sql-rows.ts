import { isAnonymousSessionOwner, SESSION_OWNER_PREFIX } from '../../core/cap-owner.js';
import type { UsageSummary } from '../../core/events.js';
import type { Message } from '../../core/messages.js';
import type {
  ApprovalRecordRow,
  ApproverPrincipal,
  JsonObject,
  RunRecordRow,
  RunStatus,
  StoredMessage,
  ThreadOwner,
  ThreadRecord,
} from '../../core/thread-store.js';

/**
 * The owner condition of a query, on columns `key` and `user` whose values start at parameter
 * `$first`: `user_id IS NULL` for the key itself, `user_id = $n` for an end user (both use the
 * owner index; `IS NOT DISTINCT FROM` would not).
 */
export function ownerCondition(
  owner: ThreadOwner,
  first: number,
  columns: { key: string; user: string } = { key: 'api_key_hash', user: 'user_id' },
): { sql: string; params: unknown[] } {
  if (owner.user === undefined)
    return { sql: `${columns.key} = $${first} AND ${columns.user} IS NULL`, params: [owner.apiKeyHash] };
  return {
    sql: `${columns.key} = $${first} AND ${columns.user} = $${first + 1}`,
    params: [owner.apiKeyHash, owner.user],
  };
}

/**
 * The condition of the rows a per-owner cap counts for `owner` (`capOwnerKey`): the owner's own,
 * or for an anonymous session's owner those of every anonymous session of its API key (a range
 * of the owner index: `user_id LIKE 'session:%'`).
 */
export function capOwnerCondition(
  owner: ThreadOwner,
  first: number,
  columns: { key: string; user: string } = { key: 'api_key_hash', user: 'user_id' },
): { sql: string; params: unknown[] } {
  if (!isAnonymousSessionOwner(owner)) return ownerCondition(owner, first, columns);
  return {
    sql: `${columns.key} = $${first} AND ${columns.user} LIKE $${first + 1}`,
    params: [owner.apiKeyHash, `${SESSION_OWNER_PREFIX}%`],
  };
}

/** A stored owner as the store hands it out (no `user` for the key itself). */
export const ownerOf = (apiKeyHash: string, user: string | null): ThreadOwner =>
  user === null ? { apiKeyHash } : { apiKeyHash, user };

/** A `threads` row as read. */
export interface ThreadRow {
  id: string;
  api_key_hash: string;
  user_id: string | null;
  title: string | null;
  metadata: JsonObject;
  created_at: number;
  updated_at: number;
}

export const THREAD_COLUMNS = 'id, api_key_hash, user_id, title, metadata, created_at, updated_at';

export const toThread = (row: ThreadRow): ThreadRecord => ({
  id: row.id,
  owner: ownerOf(row.api_key_hash, row.user_id),
  title: row.title,
  metadata: row.metadata,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A `thread_messages` row as read. */
export interface MessageRow {
  seq: number;
  run_id: string | null;
  message: Message;
  created_at: number;
}

export const toStoredMessage = (row: MessageRow): StoredMessage => ({
  seq: row.seq,
  ...(row.run_id === null ? {} : { runId: row.run_id }),
  message: row.message,
  createdAt: row.created_at,
});

/** A `runs` row as read. */
export interface RunRow {
  id: string;
  thread_id: string | null;
  api_key_hash: string;
  user_id: string | null;
  model: string;
  status: RunStatus;
  outcome_code: string | null;
  turns: number;
  usage: UsageSummary | null;
  estimated_cost_usd: number | null;
  started_at: number;
  ended_at: number | null;
  multitask_strategy?: string | null;
  interrupted_run_id?: string | null;
}

export const RUN_COLUMNS =
  'id, thread_id, api_key_hash, user_id, model, status, outcome_code, turns, usage, estimated_cost_usd, started_at, ended_at, multitask_strategy, interrupted_run_id';

export const toRun = (row: RunRow): RunRecordRow => ({
  id: row.id,
  threadId: row.thread_id,
  owner: ownerOf(row.api_key_hash, row.user_id),
  model: row.model,
  status: row.status,
  outcomeCode: row.outcome_code,
  turns: row.turns,
  usage: row.usage,
  estimatedCostUsd: row.estimated_cost_usd,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  ...(row.multitask_strategy === null || row.multitask_strategy === undefined
    ? {}
    : {
        multitask: {
          strategy: row.multitask_strategy,
          ...(row.interrupted_run_id === null || row.interrupted_run_id === undefined
            ? {}
            : { interruptedRunId: row.interrupted_run_id }),
        },
      }),
});

/** An `approvals` row as read. */
export interface ApprovalRow {
  run_id: string;
  tool_call_id: string;
  tool_name: string;
  input_hash: string;
  decision: ApprovalRecordRow['decision'];
  always_allow: boolean;
  answered_by_key: string;
  answered_by_user: string | null;
  answered_by_session: string | null;
  /** `{ issuer, tenant?, subject }` (migration 10); null before it and for key sessions. */
  answered_by_principal: ApproverPrincipal | null;
  answered_at: number;
}

export const APPROVAL_COLUMNS =
  'run_id, tool_call_id, tool_name, input_hash, decision, always_allow, answered_by_key, answered_by_user, answered_by_session, answered_by_principal, answered_at';

export const toApproval = (row: ApprovalRow): ApprovalRecordRow => ({
  runId: row.run_id,
  toolCallId: row.tool_call_id,
  toolName: row.tool_name,
  inputHash: row.input_hash,
  decision: row.decision,
  alwaysAllow: row.always_allow,
  answeredBy: {
    ...ownerOf(row.answered_by_key, row.answered_by_user),
    sessionId: row.answered_by_session,
    ...(row.answered_by_principal === null ? {} : { principal: row.answered_by_principal }),
  },
  answeredAt: row.answered_at,
});
