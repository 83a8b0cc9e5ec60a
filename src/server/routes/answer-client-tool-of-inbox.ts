import type { InboxApproval } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolResultBody } from '../contracts/request-schemas.js';
import type { AnswerOutbox } from '../pending-answers/answer-outbox.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { keepAnswerOf } from '../pending-answers/keep-answer-of.js';
import { submitToolResult, suspendedToolResultOf } from '../pending-answers/submit-tool-result.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import { answererOf } from './answer-approval-of-run.js';
import { isOwnApproval, maySeeApproval } from './approval-visibility.js';
import { approvalNotFound } from './approval-wire.js';

/** What answering a client-side tool's call from the inbox needs from the app. */
export interface AnswerClientToolOfInboxOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  authorizer: RequestAuthorizer | undefined;
  report: (error: unknown, where: string) => void;
  answerOutbox?: AnswerOutbox | undefined;
  /** The app's runs suspended in the database, answered when the call no longer waits live. */
  suspendedRuns?: SuspendedRuns | undefined;
}

/** A client-side tool's answer as the inbox takes it: its result, or its error. */
export type ClientToolAnswer = Pick<ToolResultBody, 'result' | 'error'>;

/**
 * `POST /approvals/:approval_id/answer` for a `client_tool_result`: the result (or error) of a
 * client-side tool's call, given by the requester (whom `server.authorize` is asked
 * `tool.result` on the run, as `POST /chat/tool-result` asks) or by another principal of its
 * tenant whom it allows `client_tool.answer` (`maySeeApproval`); anyone else hears 404. The
 * result goes where the call waits: to the live run parked under the call's session (on any
 * instance, over the bus), else to the run suspended in the database, which resumes as its
 * owner, never as the answerer. One answer wins (409 for the other).
 */
export function createAnswerClientToolOfInbox(options: AnswerClientToolOfInboxOptions) {
  const { config, stores, authorizer, report, suspendedRuns } = options;
  const outbox = options.answerOutbox === undefined ? {} : { outbox: options.answerOutbox };
  return async function answerClientToolOfInbox(
    session: SessionRecord,
    approval: InboxApproval,
    answer: ClientToolAnswer,
  ): Promise<SubmissionResponse> {
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
    const live = await submitToolResult({
      stores,
      sessionId: approval.sessionId,
      body,
      report,
      answeredBy: answererOf(session),
      ...outbox,
      ...keepAnswerOf(config, approval.sessionId),
    });
    if (live.status !== 404) return live;
    // Not waiting live: the call may wait in the database, in a run suspended under its owner.
    const stored = await suspendedRuns?.answer({
      ...suspendedToolResultOf(body),
      session,
      ...(live.kept === true ? { alreadyKept: true } : {}),
      ...(own ? {} : { owner: approval.requester.owner }),
    });
    if (stored === undefined) throw approvalNotFound();
    return stored;
  };
}

/** `createAnswerClientToolOfInbox`'s answer. */
export type AnswerClientToolOfInbox = ReturnType<typeof createAnswerClientToolOfInbox>;
