import type { ApprovalAnswerer } from '../../core/approval.js';
import { HttpError } from '../../core/http-error.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import { principalOfSession, type RequestAuthorizer } from '../auth/request-authorizer.js';
import { tenantMemberOf } from '../auth/tenant-member-of.js';
import type { RunRegistry } from '../chat/run-registry.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolApprovalBody } from '../contracts/request-schemas.js';
import { ownerOfSession } from '../contracts/session-owner.js';
import type { AnswerOutbox } from '../pending-answers/answer-outbox.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { ownApprovalRefused, requiresDistinctApprover } from '../pending-answers/distinct-approver.js';
import { keepAnswerOf } from '../pending-answers/keep-answer-of.js';
import { submitApproval } from '../pending-answers/submit-approval.js';
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
}

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

const answererOf = (session: SessionRecord): ApprovalAnswerer => {
  const owner = ownerOfSession(session);
  const principal = session.principal;
  return {
    sessionId: session.sessionId,
    apiKeyHash: owner.apiKeyHash,
    ...(owner.user === undefined ? {} : { user: owner.user }),
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
 * record (`server.database`) and waiting live: a run suspended in the database hears only its
 * own session. Anyone else, a refusal of the hook included, hears 404 "Run not found", whether
 * the run exists or not. The audit records the answering principal.
 */
export function createAnswerApprovalOfRun(options: AnswerApprovalOfRunOptions) {
  const { config, stores, runs, authorizer, report } = options;
  const notFound = (): HttpError => HttpError.detail(404, 'Run not found');
  return async function answerApprovalOfRun(
    session: SessionRecord,
    runId: string,
    body: ToolApprovalBody,
  ): Promise<SubmissionResponse> {
    const owner = isPlausibleId(runId)
      ? await callThreadStore(config.threads, report, async (store) => store.ownerOf?.('run', runId))
      : undefined;
    if (owner === undefined) throw notFound();
    const own = sameOwner(owner, ownerOfSession(session));
    const member = own ? undefined : tenantMemberOf(session.principal, owner);
    if (!own && (member === undefined || session.principal === undefined)) throw notFound();
    // The session the run parked its calls under: the live run's here, else the principal's own
    // (the session a bearer token uses, on any instance).
    const runSessionId =
      runs.activeRuns().find((run) => run.runId === runId)?.sessionId ??
      (member === undefined || session.principal === undefined
        ? session.sessionId
        : identityOfPrincipal({ ...session.principal, subject: member.subject }).sessionId);
    const record = await stores.pendingTools.findInSession(runSessionId, body.tool_call_id);
    if (record === undefined || record.runId !== runId || record.kind !== 'approval') throw notFound();
    const allowed =
      authorizer === undefined
        ? own
        : await authorizer.allows(
            session,
            'approval.answer',
            { type: 'approval', id: body.tool_call_id, tool: record.toolName },
            member ?? principalOfSession(session),
          );
    if (!allowed) {
      if (!own) throw notFound();
      throw new HttpError(403, { detail: 'Not allowed', code: 'forbidden' });
    }
    const distinct = requiresDistinctApprover(config.requireDistinctApprover, record.toolName);
    if (own && distinct) return ownApprovalRefused();
    return submitApproval({
      stores,
      sessionId: runSessionId,
      // "Always allow" would let the requester's later calls skip the distinct approver.
      body: distinct ? { ...body, allow_tool_type: false } : body,
      report,
      answeredBy: answererOf(session),
      ...(options.answerOutbox === undefined ? {} : { outbox: options.answerOutbox }),
      ...keepAnswerOf(config, runSessionId),
    });
  };
}
