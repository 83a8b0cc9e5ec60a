import type { InboxApproval } from '../../core/approval-inbox-store.js';
import type { AnswerSurface } from '../../core/approval.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import { inboxAnswerOf } from '../threads/inbox-entry.js';
import { answerApprovalOfRun } from './answer-approval-of-run.js';
import type { AnswerAudit } from './answer-audit.js';
import { answerClientToolOfInbox } from './answer-client-tool-of-inbox.js';
import { answererOf } from './answerer-of.js';
import type { AnsweringParts } from './answering-parts.js';
import { maySeeApproval } from './approval-visibility.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { answerDoesNotFitKind, approvalNotFound } from './inbox-errors.js';
import { withInbox } from './with-inbox.js';

/** The surfaces that answer by the inbox's id: its page and API, and Slack's buttons. */
export type InboxSurface = Extract<AnswerSurface, 'inbox' | 'slack'>;

/** An answer to an inbox entry, by the kind of pending answer it gives. */
export type InboxAnswerInput =
  | { kind: 'tool_approval'; approved: boolean; reason?: string }
  | {
      kind: 'client_tool_result';
      result: Record<string, unknown> | null;
      error: Record<string, unknown> | null;
    };

/** The waiting entry `approvalId` names, checked against the answer: 404, 409 or 422 otherwise. */
async function waitingEntryOf(
  parts: AnsweringParts,
  session: SessionRecord,
  approvalId: string,
  answer: InboxAnswerInput,
): Promise<InboxApproval> {
  const approval = /^apr_[0-9a-f]{32}$/.test(approvalId)
    ? await withInbox(parts, (inbox) => inbox.get(approvalId))
    : undefined;
  if (approval === undefined) throw approvalNotFound();
  if (approval.answer === undefined && answer.kind === approval.kind) return approval;
  if (!(await maySeeApproval(session, approval, parts.authorizer))) throw approvalNotFound();
  if (approval.answer !== undefined)
    throw new HttpError(409, { detail: 'Approval already submitted', code: 'already_answered' });
  throw answerDoesNotFitKind(approval.kind);
}

/** Gives the answer where the entry's call waits, by its kind. */
async function answerWhereTheEntryWaits(
  parts: AnsweringParts,
  session: SessionRecord,
  approval: InboxApproval,
  answer: InboxAnswerInput,
  surface: InboxSurface,
): Promise<SubmissionResponse> {
  try {
    return answer.kind === 'client_tool_result'
      ? await answerClientToolOfInbox(parts, session, approval, answer)
      : await answerApprovalOfRun(
          parts,
          session,
          approval.runId,
          {
            tool_call_id: approval.toolCallId,
            nonce: approval.nonce,
            approved: answer.approved,
            allow_tool_type: false,
            ...(answer.reason === undefined ? {} : { reason: answer.reason }),
          },
          approval.sessionId,
          surface,
        );
  } catch (error) {
    // "Run not found": not the caller's to see, or no longer waiting anywhere.
    if (error instanceof HttpError && error.status === 404) throw approvalNotFound();
    throw error;
  }
}

/**
 * Answers the inbox entry `approvalId` (`POST /approvals/:approval_id/answer`, and any surface
 * that answers by the inbox's id): an approval as an approval of its run is answered (one answer
 * wins, `requireDistinctApprover`, the hook), a client tool's result as the inbox takes it; an
 * answer of the other kind is a 422, what the caller may not see a 404 like an id never given.
 * An answer the run received (200) is written to the audit at once, naming the answerer, and
 * its response carries the `approval_id`. The audit names the surface it was given on.
 */
export async function answerInboxItem(
  parts: AnsweringParts,
  audit: AnswerAudit,
  session: SessionRecord,
  approvalId: string,
  answer: InboxAnswerInput,
  surface: InboxSurface = 'inbox',
): Promise<SubmissionResponse> {
  const approval = await waitingEntryOf(parts, session, approvalId, answer);
  const response = await answerWhereTheEntryWaits(parts, session, approval, answer, surface);
  if (response.status !== 200) return response;
  const decision =
    answer.kind === 'client_tool_result'
      ? { approved: true, answeredBy: answererOf(session, surface) }
      : {
          approved: answer.approved,
          answeredBy: answererOf(session, surface),
          ...(answer.reason === undefined ? {} : { reason: answer.reason }),
        };
  const given = inboxAnswerOf(decision, session, parts.now());
  const recorded = answer.kind === 'client_tool_result' ? { ...given, decision: 'answered' as const } : given;
  // The run records how its wait ended too, once it has the answer: the first record stands.
  await withInbox(parts, (inbox) => audit.record(inbox, approval, recorded)).catch((error: unknown) => {
    parts.report(error, `settling approval ${approval.approvalId} in the inbox`);
  });
  return { ...response, body: { ...response.body, approval_id: approval.approvalId } };
}
