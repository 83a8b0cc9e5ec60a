import { createHash } from 'node:crypto';
import type { ApprovalDecision, ApprovalRequest } from '../../core/approval.js';
import type { InboxAnswer, InboxApprovalRequest, InboxItemKind } from '../../core/approval-inbox-store.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ApproverPrincipal, JsonObject, RunStartRecord } from '../../core/thread-store.js';
import { ownerOfSession, tenantKeyOfSession } from '../contracts/session-owner.js';

/**
 * The inbox id of a run's approval: `apr_` and 128 bits of a hash of the run and the tool call,
 * so the same call keeps its id through a suspension, a resumption and a takeover, and the id
 * says nothing of either (it is only a name: answering it is authorized like any answer).
 */
export const approvalIdOf = (
  runId: string,
  toolCallId: string,
  kind: InboxItemKind = 'tool_approval',
): string =>
  `apr_${createHash('sha256')
    // A client tool's call that was approved first has both: each kind its own id.
    .update(JSON.stringify([kind === 'tool_approval' ? 'approval' : kind, runId, toolCallId]), 'utf8')
    .digest('hex')
    .slice(0, 32)}`;

/** The principal as the inbox and the audit keep it: who vouched for it and who it is. */
export const inboxPrincipalOf = (principal: SessionPrincipal): ApproverPrincipal => ({
  issuer: principal.issuer,
  ...(principal.tenant === undefined ? {} : { tenant: principal.tenant }),
  subject: principal.subject,
});

/** What the inbox keeps of a call that waits: an approval request, or a client tool's call. */
export type InboxCall = Pick<
  ApprovalRequest,
  'toolCallId' | 'nonce' | 'toolName' | 'toolInput' | 'timeoutMs'
>;

/** The inbox entry of a call (an approval by default) the run `start` asks about in `session`. */
export function inboxRequestOf(
  start: Pick<RunStartRecord, 'id' | 'threadId' | 'owner'>,
  session: SessionRecord,
  approval: InboxCall,
  requestedAt: number,
  kind: InboxItemKind = 'tool_approval',
): InboxApprovalRequest {
  const tenantKey = tenantKeyOfSession(session);
  return {
    approvalId: approvalIdOf(start.id, approval.toolCallId, kind),
    ...(kind === 'tool_approval' ? {} : { kind }),
    runId: start.id,
    toolCallId: approval.toolCallId,
    threadId: start.threadId,
    sessionId: session.sessionId,
    nonce: approval.nonce,
    toolName: approval.toolName,
    // Tool inputs are JSON: they came from the model as JSON and are stored as such.
    input: approval.toolInput as JsonObject,
    requester: {
      owner: start.owner,
      ...(session.principal === undefined ? {} : { principal: inboxPrincipalOf(session.principal) }),
      ...(tenantKey === undefined ? {} : { tenantKey }),
    },
    requestedAt,
    expiresAt: requestedAt + approval.timeoutMs,
  };
}

/**
 * How an approval ended, for the inbox's audit: `decision` null is a timeout; who answered is
 * the decision's answerer when another principal answered, else the run's own session (whose
 * answer came through its chat).
 */
export function inboxAnswerOf(
  decision: ApprovalDecision | null,
  session: SessionRecord,
  answeredAt: number,
): InboxAnswer {
  if (decision === null) return { decision: 'timed_out', answeredAt };
  const answerer = decision.answeredBy;
  const owner = answerer === undefined ? ownerOfSession(session) : answerer;
  const principal =
    answerer === undefined
      ? session.principal === undefined
        ? undefined
        : inboxPrincipalOf(session.principal)
      : answerer.principal;
  return {
    decision: decision.approved ? 'approved' : 'denied',
    answeredAt,
    // The run's own session answered in its chat; another principal's answer says where.
    surface: answerer === undefined ? 'chat' : (answerer.surface ?? 'run_api'),
    answeredBy: {
      apiKeyHash: owner.apiKeyHash,
      ...(owner.user === undefined ? {} : { user: owner.user }),
      ...(principal === undefined ? {} : { principal }),
    },
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
  };
}
