import type { AnswerSurface, ApprovalAnswerer } from '../../core/approval.js';
import { HttpError } from '../../core/http-error.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { JsonObject, ThreadOwner } from '../../core/thread-store.js';
import { principalOfSession, type RequestAuthorizer } from '../auth/request-authorizer.js';
import { tenantMemberOf } from '../auth/tenant-member-of.js';
import type { RunRegistry } from '../chat/run-registry.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolApprovalBody } from '../contracts/request-schemas.js';
import { ownerOfSession } from '../contracts/session-owner.js';
import type { AnswerOutbox } from '../pending-answers/answer-outbox.js';
import { answerWhereItWaits } from '../pending-answers/answer-where-it-waits.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { ownApprovalRefused, requiresDistinctApprover } from '../pending-answers/distinct-approver.js';
import { keepAnswerOf } from '../pending-answers/keep-answer-of.js';
import { submitApproval, suspendedApprovalOf } from '../pending-answers/submit-approval.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { isPlausibleId } from '../threads/thread-request-schemas.js';

/** What `POST /runs/:id/tool-approval` needs from the app. */
export interface AnswerApprovalOfRunOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  runs: RunRegistry;
  /** `server.authorize`'s; without it only the run's owner answers. */
  authorizer: RequestAuthorizer | undefined;
  report: (error: unknown, where: string) => void;
  answerOutbox?: AnswerOutbox;
  /** The app's runs suspended in the database, answered when the call no longer waits live. */
  suspendedRuns?: SuspendedRuns;
}

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/** The answerer as the JSON a suspended run's answer is stored as (read back by the resumed run). */
const jsonOf = (answerer: ApprovalAnswerer): JsonObject => ({
  sessionId: answerer.sessionId,
  apiKeyHash: answerer.apiKeyHash,
  ...(answerer.user === undefined ? {} : { user: answerer.user }),
  ...(answerer.surface === undefined ? {} : { surface: answerer.surface }),
  ...(answerer.principal === undefined
    ? {}
    : {
        principal: {
          issuer: answerer.principal.issuer,
          subject: answerer.principal.subject,
          ...(answerer.principal.tenant === undefined ? {} : { tenant: answerer.principal.tenant }),
        },
      }),
});

/** The answering session as the decision and the audit name it: its owner, principal and surface. */
export const answererOf = (session: SessionRecord, surface?: AnswerSurface): ApprovalAnswerer => {
  const owner = ownerOfSession(session);
  const principal = session.principal;
  return {
    sessionId: session.sessionId,
    apiKeyHash: owner.apiKeyHash,
    ...(owner.user === undefined ? {} : { user: owner.user }),
    ...(surface === undefined ? {} : { surface }),
    ...(principal === undefined
      ? {}
      : {
          principal: {
            issuer: principal.issuer,
            subject: principal.subject,
            ...(principal.tenant === undefined ? {} : { tenant: principal.tenant }),
          },
        }),
  };
};

/**
 * `POST /runs/:id/tool-approval`: an approval of a run's call given by whoever the run's owner
 * lets answer it, the run's owner itself or (widening) another principal of its tenant that
 * `server.authorize` allows `approval.answer` on `{ type: 'approval', id: <tool call id>,
 * tool: <tool name>, owner: <the run's owner> }`. This is how an approver role answers, and the
 * only way a call of a tool under `requireDistinctApprover` is approved. The run must be on
 * record (`server.database`), waiting live or suspended in the database (`suspendAfterMs`): an
 * answer to a suspended run is stored and resumes it in a session of its owner, never the
 * answerer's. Anyone else, a refusal of the hook included, hears 404 "Run not found", whether
 * the run exists or not. The audit records the answering principal.
 */
export function createAnswerApprovalOfRun(options: AnswerApprovalOfRunOptions) {
  const { config, stores, runs, authorizer, report } = options;
  const notFound = (): HttpError => HttpError.detail(404, 'Run not found');
  /** The tool of the approval `body` names in `runId`, suspended in the database under `owner`. */
  const suspendedCallOf = async (
    owner: ThreadOwner,
    runId: string,
    body: ToolApprovalBody,
  ): Promise<{ toolName: string } | undefined> => {
    if (options.suspendedRuns === undefined) return undefined;
    const found = await callThreadStore(config.database, report, async (_store, stores) =>
      stores.suspendedRuns?.findCall(owner, body.tool_call_id, body.nonce),
    );
    return found === undefined || found.runId !== runId || found.call.kind !== 'approval'
      ? undefined
      : { toolName: found.call.toolName };
  };
  return async function answerApprovalOfRun(
    session: SessionRecord,
    runId: string,
    body: ToolApprovalBody,
    /** The session the call was asked under, when the inbox knows it. */
    askingSessionId?: string,
    /** Where the answer is given, for the audit (`inbox`, `slack`); `run_api` by default. */
    surface: AnswerSurface = 'run_api',
  ): Promise<SubmissionResponse> {
    const owner = isPlausibleId(runId)
      ? await callThreadStore(config.database, report, async (store) => store.ownerOf?.('run', runId))
      : undefined;
    if (owner === undefined) throw notFound();
    const own = sameOwner(owner, ownerOfSession(session));
    const member = own ? undefined : tenantMemberOf(session.principal, owner);
    if (!own && (member === undefined || session.principal === undefined)) throw notFound();
    // The session the run asked its questions under: the live run's here, else the one the inbox
    // recorded, else the principal's own (the session a bearer token uses, on any instance).
    const runSessionId =
      runs.activeRuns().find((run) => run.runId === runId)?.sessionId ??
      askingSessionId ??
      (member === undefined || session.principal === undefined
        ? session.sessionId
        : identityOfPrincipal({ ...session.principal, subject: member.subject }).sessionId);
    const record = await stores.pendingAnswers.findInSession(runSessionId, body.tool_call_id);
    const live = record !== undefined && record.runId === runId && record.kind === 'approval';
    // Not waiting live: the call may wait in the database, in a run suspended under its owner.
    const suspendedCall = live ? undefined : await suspendedCallOf(owner, runId, body);
    const toolName = live ? record.toolName : suspendedCall?.toolName;
    if (toolName === undefined) throw notFound();
    const allowed =
      authorizer === undefined
        ? own
        : await authorizer.allows(
            session,
            'approval.answer',
            { type: 'approval', id: body.tool_call_id, tool: toolName },
            member ?? principalOfSession(session),
          );
    if (!allowed) {
      if (!own) throw notFound();
      throw new HttpError(403, { detail: 'Not allowed', code: 'forbidden' });
    }
    const distinct = requiresDistinctApprover(config.requireDistinctApprover, toolName);
    if (own && distinct) return ownApprovalRefused();
    // "Always allow" would let the requester's later calls skip the distinct approver.
    const given = distinct ? { ...body, allow_tool_type: false } : body;
    const answeredBy = answererOf(session, surface);
    const answered = await answerWhereItWaits({
      ...(live
        ? {
            live: () =>
              submitApproval({
                stores,
                sessionId: runSessionId,
                body: given,
                report,
                answeredBy,
                ...(options.answerOutbox === undefined ? {} : { outbox: options.answerOutbox }),
                ...keepAnswerOf(config, runSessionId),
              }),
          }
        : {}),
      suspended: async ({ alreadyKept }) =>
        options.suspendedRuns?.answer({
          ...suspendedApprovalOf(given),
          session,
          message: {
            approved: given.approved,
            allowToolType: given.allow_tool_type,
            answeredBy: jsonOf(answeredBy),
            ...(given.reason === undefined ? {} : { reason: given.reason }),
          },
          alreadyKept,
          // Another principal's answer resumes the run as its owner, not as the answerer.
          ...(own ? {} : { owner }),
        }),
    });
    if (answered === undefined) throw notFound();
    return answered;
  };
}
