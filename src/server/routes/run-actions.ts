import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import type { RunRegistry } from '../chat/run-registry.js';
import { cancelRemoteRun, type SharedStores } from '../chat/remote-runs.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolApprovalBody, ToolResultBody } from '../contracts/request-schemas.js';
import type { AnswerOutbox } from '../pending-answers/answer-outbox.js';
import { answerWhereItWaits } from '../pending-answers/answer-where-it-waits.js';
import { requesterMayNotApprove } from '../pending-answers/distinct-approver.js';
import { keepAnswerOf } from '../pending-answers/keep-answer-of.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { submitApproval, suspendedApprovalOf } from '../pending-answers/submit-approval.js';
import type { SubmitAnswerOptions } from '../pending-answers/submit-pending-answer.js';
import { submitToolResult, suspendedToolResultOf } from '../pending-answers/submit-tool-result.js';
import type { SuspendedAnswer, SuspendedRuns } from '../pending-answers/suspended-runs.js';

/** How long `POST /chat/cancel` waits for another instance to confirm a cancel. */
const REMOTE_CANCEL_TIMEOUT_MS = 10_000;

/** What cancelling and answering need from the app. */
export interface RunActionsOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  runs: RunRegistry;
  report: (error: unknown, where: string) => void;
  /** Set when the stores are shared: the run may be on another instance. */
  sharedStores?: SharedStores;
  answerOutbox?: AnswerOutbox;
  suspendedRuns?: SuspendedRuns;
}

/** Cancelling a session's run and answering its pending answers, for every route that does. */
export interface RunActions {
  cancelRun: (session: SessionRecord) => Promise<{ runId: string }>;
  answerApproval: (session: SessionRecord, body: ToolApprovalBody) => Promise<SubmissionResponse>;
  answerToolResult: (session: SessionRecord, body: ToolResultBody) => Promise<SubmissionResponse>;
}

/**
 * The actions behind `POST /chat/cancel`, `/chat/tool-approval` and `/chat/tool-result`, shared
 * with the protocol adapters (A2A, MCP) that cancel and answer without those routes.
 */
export function createRunActions(options: RunActionsOptions): RunActions {
  const { config, stores, runs, report, sharedStores, suspendedRuns } = options;
  /** Cancels the session's active run, here or (with shared stores) on its instance. */
  const cancelRun = async (session: SessionRecord): Promise<{ runId: string }> => {
    const run = runs.active(session.sessionId);
    if (run === undefined && sharedStores !== undefined) {
      const location = await sharedStores.runDirectory.getLatest(session.sessionId);
      if (location === undefined || location.finished)
        throw HttpError.detail(404, 'No active run for this session');
      if (!(await cancelRemoteRun(sharedStores, location, REMOTE_CANCEL_TIMEOUT_MS))) {
        throw HttpError.detail(504, `Run ${location.runId} did not confirm the cancel in time`);
      }
      return { runId: location.runId };
    }
    if (run === undefined || run.eventLog.finished) {
      throw HttpError.detail(404, 'No active run for this session');
    }
    run.abort('cancelled');
    await run.done;
    return { runId: run.runId };
  };

  const answerOutbox = options.answerOutbox === undefined ? {} : { outbox: options.answerOutbox };
  /** Answers a pending answer of the session with `submit`, wherever it waits (`answerWhereItWaits`). */
  const answerWith =
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
            ...answerOutbox,
            ...keepAnswerOf(config, session.sessionId),
            admit,
          }),
        suspended: async ({ alreadyKept }) =>
          suspendedRuns?.answer({ session, admit, ...suspendedAnswerOf(body), alreadyKept }),
      });
    };
  const answerApproval = answerWith(submitApproval, suspendedApprovalOf);
  const answerToolResult = answerWith(submitToolResult, suspendedToolResultOf);
  return { cancelRun, answerApproval, answerToolResult };
}
