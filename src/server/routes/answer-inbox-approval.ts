import type { AnswerSurface } from '../../core/approval.js';
import type { ApprovalInboxStore, InboxApproval } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import type { MessageBus, SessionRecord } from '../../core/stores.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolApprovalBody } from '../contracts/request-schemas.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { inboxAnswerOf } from '../threads/inbox-entry.js';
import { publishInboxChange } from '../threads/inbox-change-bus.js';
import { answererOf } from './answer-approval-of-run.js';
import type { AnswerClientToolOfInbox } from './answer-client-tool-of-inbox.js';
import { approvalNotFound, inboxUnavailable } from './approval-wire.js';
import { maySeeApproval } from './approval-visibility.js';
import { answerDoesNotFitKind, type InboxAnswerInput } from './inbox-answer-body.js';

/** Runs a function with the database's inbox: a 404 `inbox_unavailable` without one. */
export type WithInbox = <Result>(use: (inbox: ApprovalInboxStore) => Promise<Result>) => Promise<Result>;

/** The app's `WithInbox`, over the database of the moment. */
export const withInboxOf =
  (config: GatewayServerConfig, report: (error: unknown, where: string) => void): WithInbox =>
  (use) =>
    callThreadStore(config.database, report, async (_store, stores) => {
      if (stores.approvals === undefined) throw inboxUnavailable();
      return use(stores.approvals);
    });

/** What `createAnswerInboxApproval` needs from the app. */
export interface AnswerInboxApprovalOptions {
  authorizer: RequestAuthorizer | undefined;
  report: (error: unknown, where: string) => void;
  withInbox: WithInbox;
  /** `POST /runs/:id/tool-approval`'s answer, which this one gives by approval id. */
  answerApprovalOfRun: (
    session: SessionRecord,
    runId: string,
    body: ToolApprovalBody,
    askingSessionId?: string,
    surface?: AnswerSurface,
  ) => Promise<SubmissionResponse>;
  answerClientToolOfInbox: AnswerClientToolOfInbox;
  bus: MessageBus;
  now: () => number;
}

/** An inbox answer's outcome: the response to send, and the approval it answered (when known). */
export interface InboxAnswerOutcome {
  response: SubmissionResponse;
  approval: InboxApproval;
}

/** Answers one approval by id for `session`, as `POST /approvals/:approval_id/answer` does. */
export type AnswerInboxApproval = (
  session: SessionRecord,
  approvalId: string,
  body: InboxAnswerInput,
  surface: Extract<AnswerSurface, 'inbox' | 'slack'>,
) => Promise<InboxAnswerOutcome>;

/**
 * The answer of an approval by its `approval_id`, wherever it waits, for every surface that
 * answers by id (the inbox's route, Slack's buttons): an approval through the answer of `POST
 * /runs/:id/tool-approval` (one answer wins, `server.authorize`, `requireDistinctApprover`, the
 * audit naming the answerer and the surface), a client tool's result through
 * `answerClientToolOfInbox`. Throws the route's `HttpError`s: 404 `approval_not_found` for what
 * the caller may not see (or that never was), 409 `already_answered`, 422 for a body of the
 * other kind.
 */
export function createAnswerInboxApproval(options: AnswerInboxApprovalOptions): AnswerInboxApproval {
  const { authorizer, report, withInbox, now } = options;

  const answerOf = async (
    session: SessionRecord,
    approval: InboxApproval,
    body: InboxAnswerInput,
    surface: AnswerSurface,
  ): Promise<SubmissionResponse> => {
    try {
      return body.kind === 'client_tool_result'
        ? await options.answerClientToolOfInbox(session, approval, body)
        : await options.answerApprovalOfRun(
            session,
            approval.runId,
            {
              tool_call_id: approval.toolCallId,
              nonce: approval.nonce,
              approved: body.approved,
              allow_tool_type: false,
              ...(body.reason === undefined ? {} : { reason: body.reason }),
            },
            approval.sessionId,
            surface,
          );
    } catch (error) {
      // "Run not found": not the caller's to see, or no longer waiting anywhere.
      if (error instanceof HttpError && error.status === 404) throw approvalNotFound();
      throw error;
    }
  };

  /** Writes the audit now, unless the run wrote it first, and tells the followers. */
  const settle = async (
    session: SessionRecord,
    approval: InboxApproval,
    body: InboxAnswerInput,
    surface: AnswerSurface,
  ): Promise<void> => {
    const answeredBy = answererOf(session, surface);
    const given = inboxAnswerOf(
      body.kind === 'client_tool_result'
        ? { approved: true, answeredBy }
        : {
            approved: body.approved,
            answeredBy,
            ...(body.reason === undefined ? {} : { reason: body.reason }),
          },
      session,
      now(),
    );
    const answer = body.kind === 'client_tool_result' ? { ...given, decision: 'answered' as const } : given;
    // The run settles it too once it has the answer; whichever is first writes the audit.
    const settled = await withInbox((inbox) => inbox.settle(approval.approvalId, answer)).catch(
      (error: unknown) => {
        report(error, `settling approval ${approval.approvalId} in the inbox`);
        return false;
      },
    );
    if (settled) publishInboxChange(options.bus, { type: 'settled', approval, answer }, report);
  };

  return async function answerInboxApproval(session, approvalId, body, surface) {
    const approval = /^apr_[0-9a-f]{32}$/.test(approvalId)
      ? await withInbox((inbox) => inbox.get(approvalId))
      : undefined;
    if (approval === undefined) throw approvalNotFound();
    if (approval.answer !== undefined || body.kind !== approval.kind) {
      if (!(await maySeeApproval(session, approval, authorizer))) throw approvalNotFound();
      if (approval.answer !== undefined)
        throw new HttpError(409, { detail: 'Approval already submitted', code: 'already_answered' });
      throw answerDoesNotFitKind(approval.kind);
    }
    const response = await answerOf(session, approval, body, surface);
    if (response.status === 200) await settle(session, approval, body, surface);
    const answered =
      response.status === 200 ? { ...response.body, approval_id: approval.approvalId } : response.body;
    return { response: { ...response, body: answered }, approval };
  };
}
