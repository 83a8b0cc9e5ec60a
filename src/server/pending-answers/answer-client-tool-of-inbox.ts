import type { InboxApproval } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ToolResultBody } from '../contracts/request-schemas.js';
import { answerWhereItWaits } from './answer-where-it-waits.js';
import { answererOf } from './answerer-of.js';
import type { AnsweringParts } from './answering-parts.js';
import { isOwnApproval, maySeeApproval } from './approval-visibility.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { approvalNotFound } from './inbox-errors.js';
import { keepAnswerOf } from './keep-answer-of.js';
import { submitToolResult, suspendedToolResultOf } from './submit-tool-result.js';

/** A client-side tool's answer as the inbox takes it: its result, or its error. */
export type ClientToolAnswer = Pick<ToolResultBody, 'result' | 'error'>;

/**
 * The result (or error) of a client-side tool's call listed in the inbox (`client_tool_result`),
 * given by the requester (whom `server.authorize` is asked `tool.result` on the run, as
 * `POST /chat/tool-result` asks) or by another principal of its tenant whom it allows
 * `client_tool.answer` (`maySeeApproval`); anyone else hears 404. The result goes where the call
 * waits: to the live run parked under the call's session (on any instance, over the bus), else to
 * the run suspended in the database, which resumes as its owner, never as the answerer. One
 * answer wins (409 for the other).
 */
export async function answerClientToolOfInbox(
  parts: AnsweringParts,
  session: SessionRecord,
  approval: InboxApproval,
  answer: ClientToolAnswer,
): Promise<SubmissionResponse> {
  const { config, stores, authorizer, report, suspendedRuns } = parts;
  const own = isOwnApproval(session, approval);
  if (!own && !(await maySeeApproval(session, approval, authorizer))) throw approvalNotFound();
  if (own && authorizer !== undefined) {
    const allowed = await authorizer.allows(session, 'tool.result', { type: 'run', id: approval.runId });
    if (!allowed) throw new HttpError(403, { detail: 'Not allowed', code: 'forbidden' });
  }
  const body: ToolResultBody = {
    tool_call_id: approval.toolCallId,
    nonce: approval.nonce,
    result: answer.result,
    error: answer.error,
  };
  const answered = await answerWhereItWaits({
    live: () =>
      submitToolResult({
        stores,
        sessionId: approval.sessionId,
        body,
        report,
        answeredBy: answererOf(session),
        ...(parts.answerOutbox === undefined ? {} : { outbox: parts.answerOutbox }),
        ...keepAnswerOf(config, approval.sessionId),
      }),
    // Not waiting live: the call may wait in the database, in a run suspended under its owner.
    suspended: async ({ alreadyKept }) =>
      suspendedRuns?.answer({
        ...suspendedToolResultOf(body),
        session,
        alreadyKept,
        ...(own ? {} : { owner: approval.requester.owner }),
      }),
  });
  // Waiting in neither place (the suspended run answers no 404 of its own).
  if (answered.status === 404) throw approvalNotFound();
  return answered;
}
