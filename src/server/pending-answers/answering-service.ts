import type { SessionRecord } from '../../core/stores.js';
import type { ToolApprovalBody, ToolResultBody } from '../contracts/request-schemas.js';
import { answerApprovalOfRun } from './answer-approval-of-run.js';
import { createAnswerAudit } from './answer-audit.js';
import { answerInboxItem, type InboxAnswerInput, type InboxSurface } from './answer-inbox-item.js';
import {
  answerPendingAnswers,
  type ClaimedApproval,
  type ClaimedToolOutput,
} from './answer-pending-answers.js';
import { answerWhereItWaits } from './answer-where-it-waits.js';
import type { AnsweringParts } from './answering-parts.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { requesterMayNotApprove } from './distinct-approver.js';
import { keepAnswerOf } from './keep-answer-of.js';
import { submitApproval, suspendedApprovalOf } from './submit-approval.js';
import type { SubmitAnswerOptions } from './submit-pending-answer.js';
import { submitToolResult, suspendedToolResultOf } from './submit-tool-result.js';
import type { SuspendedAnswer } from './suspended-runs.js';

/** What a frontend's request claims to answer (`answerFrontendClaims`). */
export interface FrontendClaims {
  approvals: readonly ClaimedApproval[];
  toolOutputs: readonly ClaimedToolOutput[];
  /** Take a client tool's nonce from the stored call when the client echoes none (AG-UI). */
  nonceFromSession?: boolean;
}

/**
 * The one way into the pending answers: every surface that receives an answer (the native
 * routes, the approvals inbox, the frontend adapters, A2A, MCP, and any new one) translates its
 * request into one of these calls and its result back into its own wire; none claims, keeps,
 * delivers or audits an answer itself. Each method checks who may answer, answers where the call
 * waits (live, else the run suspended in the database) and, where an answer is recorded for
 * people, writes the audit (`AnswerAudit`, its only writer). Responses are `SubmissionResponse`s
 * (200 answered, 202 queued, 403, 404, 409, 410, 503); what nobody may see throws `HttpError`.
 */
export interface AnsweringService {
  /** An approval of the session's own call (`POST /chat/tool-approval`, A2A, MCP). */
  answerApproval: (session: SessionRecord, body: ToolApprovalBody) => Promise<SubmissionResponse>;
  /** A client-side tool's result for the session's own call (`POST /chat/tool-result`, A2A, MCP). */
  answerToolResult: (session: SessionRecord, body: ToolResultBody) => Promise<SubmissionResponse>;
  /**
   * An approval of a run's call by its owner or an approver the hook allows
   * (`POST /runs/:id/tool-approval`): 404 "Run not found" for anyone else.
   */
  answerApprovalOfRun: (
    session: SessionRecord,
    runId: string,
    body: ToolApprovalBody,
  ) => Promise<SubmissionResponse>;
  /**
   * An answer to the inbox entry `approvalId` (`POST /approvals/:approval_id/answer`): the entry
   * point for a surface that shows people the inbox's entries and takes their answers (a chat
   * app's buttons, say), since the id is all it needs to carry. Writes the audit, naming the
   * surface (`inbox` unless said; Slack's buttons say `slack`).
   */
  answerInboxItem: (
    session: SessionRecord,
    approvalId: string,
    answer: InboxAnswerInput,
    surface?: InboxSurface,
  ) => Promise<SubmissionResponse>;
  /**
   * What a frontend's request claims to answer (`/ui/chat`, `/ag-ui`), each claim checked against
   * the stored call; the first refused claim throws its status. Resolves the calls answered now.
   */
  answerFrontendClaims: (session: SessionRecord, claims: FrontendClaims) => Promise<string[]>;
}

/** Makes the app's answering service (see `AnsweringService`), once, from the app's parts. */
export function createAnsweringService(parts: AnsweringParts): AnsweringService {
  const { config, stores, report } = parts;
  const audit = createAnswerAudit({ bus: stores.bus, report });
  const outbox = parts.answerOutbox === undefined ? {} : { outbox: parts.answerOutbox };
  /** Answers the session's own call with `submit`, wherever it waits (`answerWhereItWaits`). */
  const answerOwnCall =
    <Body>(
      submit: (options: SubmitAnswerOptions<Body>) => Promise<SubmissionResponse>,
      suspendedAnswerOf: (body: Body) => Omit<SuspendedAnswer, 'session'>,
    ) =>
    async (session: SessionRecord, body: Body): Promise<SubmissionResponse> => {
      const admit = requesterMayNotApprove(config.requireDistinctApprover);
      return answerWhereItWaits({
        live: () =>
          submit({
            stores,
            sessionId: session.sessionId,
            body,
            report,
            ...outbox,
            ...keepAnswerOf(config, session.sessionId),
            admit,
          }),
        suspended: async ({ alreadyKept }) =>
          parts.suspendedRuns?.answer({ session, admit, ...suspendedAnswerOf(body), alreadyKept }),
      });
    };
  return {
    answerApproval: answerOwnCall(submitApproval, suspendedApprovalOf),
    answerToolResult: answerOwnCall(submitToolResult, suspendedToolResultOf),
    answerApprovalOfRun: (session, runId, body) => answerApprovalOfRun(parts, session, runId, body),
    answerInboxItem: (session, approvalId, answer, surface) =>
      answerInboxItem(parts, audit, session, approvalId, answer, surface),
    answerFrontendClaims: (session, claims) =>
      answerPendingAnswers({
        stores,
        sessionId: session.sessionId,
        approvals: claims.approvals,
        toolOutputs: claims.toolOutputs,
        ...(claims.nonceFromSession === undefined ? {} : { nonceFromSession: claims.nonceFromSession }),
        report,
        ...outbox,
        requireDistinctApprover: config.requireDistinctApprover,
      }),
  };
}
