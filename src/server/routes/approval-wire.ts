import type { InboxAnswer, InboxApproval, InboxRequester } from '../../core/approval-inbox-store.js';
import type { ApproverPrincipal } from '../../core/thread-store.js';
import { HttpError } from '../../core/http-error.js';

/** Times on the inbox's wire: ISO 8601 in UTC. */
const isoTime = (ms: number): string => new Date(ms).toISOString();

/** A principal on the wire; every field null for an API key (and the end user it asserts). */
const principalToWire = (
  principal: ApproverPrincipal | undefined,
): { issuer: string | null; tenant: string | null; subject: string | null } => ({
  issuer: principal?.issuer ?? null,
  tenant: principal?.tenant ?? null,
  subject: principal?.subject ?? null,
});

/** Who asked, as the inbox shows it. */
const requesterToWire = (requester: InboxRequester) => principalToWire(requester.principal);

/** Who answered, when, where (`answered_via`) and how (the audit), as `status=answered` shows it. */
export const answerToWire = (answer: InboxAnswer): Record<string, unknown> => ({
  decision: answer.decision,
  answered_by: answer.answeredBy === undefined ? null : principalToWire(answer.answeredBy.principal),
  answered_at: isoTime(answer.answeredAt),
  answered_via: answer.surface ?? null,
  reason: answer.reason ?? null,
});

/**
 * One approval as `GET /approvals` answers it, and as the stream's events carry it. Never the
 * nonce (the inbox answers by `approval_id` with the caller's own credentials), nor the session
 * the call waits under.
 */
export const approvalToInboxWire = (approval: InboxApproval): Record<string, unknown> => ({
  approval_id: approval.approvalId,
  kind: approval.kind,
  run_id: approval.runId,
  thread_id: approval.threadId,
  thread_title: approval.threadTitle,
  tool_call_id: approval.toolCallId,
  tool: approval.toolName,
  input: approval.input,
  requested_by: requesterToWire(approval.requester),
  requested_at: isoTime(approval.requestedAt),
  expires_at: isoTime(approval.expiresAt),
  state: approval.state,
  ...(approval.answer === undefined ? {} : { answer: answerToWire(approval.answer) }),
});

/** Which approvals `GET /approvals` lists. */
export type InboxStatus = 'pending' | 'answered';

/** `?status=`: `pending` (or absent) or `answered`; anything else is a 400. */
export function parseInboxStatus(status: string | undefined): InboxStatus {
  if (status === undefined || status === '' || status === 'pending') return 'pending';
  if (status === 'answered') return 'answered';
  throw new HttpError(400, {
    detail: 'status must be "pending" or "answered"',
    code: 'invalid_status',
  });
}
