import type { AnswerSurface } from '../../core/approval.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import { principalOfSession } from '../auth/request-authorizer.js';
import { tenantMemberOf } from '../auth/tenant-member-of.js';
import type { ToolApprovalBody } from '../contracts/request-schemas.js';
import { ownerOfSession } from '../contracts/session-owner.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { isPlausibleId } from '../threads/thread-request-schemas.js';
import { answerWhereItWaits } from './answer-where-it-waits.js';
import { answererJsonOf, answererOf } from './answerer-of.js';
import type { AnsweringParts } from './answering-parts.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { ownApprovalRefused, requiresDistinctApprover } from './distinct-approver.js';
import { keepAnswerOf } from './keep-answer-of.js';
import { submitApproval, suspendedApprovalOf } from './submit-approval.js';

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

const notFound = (): HttpError => HttpError.detail(404, 'Run not found');

/** The tool of the approval `body` names in `runId`, suspended in the database under `owner`. */
async function suspendedCallOf(
  parts: AnsweringParts,
  owner: ThreadOwner,
  runId: string,
  body: ToolApprovalBody,
): Promise<{ toolName: string } | undefined> {
  if (parts.suspendedRuns === undefined) return undefined;
  const found = await callThreadStore(parts.config.database, parts.report, async (_store, stores) =>
    stores.suspendedRuns?.findCall(owner, body.tool_call_id, body.nonce),
  );
  return found === undefined || found.runId !== runId || found.call.kind !== 'approval'
    ? undefined
    : { toolName: found.call.toolName };
}

/**
 * An approval of a run's call given by whoever the run's owner lets answer it, the run's owner
 * itself or (widening) another principal of its tenant that `server.authorize` allows
 * `approval.answer` on `{ type: 'approval', id: <tool call id>, tool: <tool name>, owner: <the
 * run's owner> }` (`POST /runs/:id/tool-approval`, and an inbox approval). This is how an
 * approver role answers, and the only way a call of a tool under `requireDistinctApprover` is
 * approved. The run must be on record (`server.database`), waiting live or suspended in the
 * database (`suspendAfterMs`): an answer to a suspended run is stored and resumes it in a session
 * of its owner, never the answerer's. Anyone else, a refusal of the hook included, hears 404
 * "Run not found", whether the run exists or not. The decision names the answering principal.
 * `askingSessionId`: the session the call was asked under, when the inbox knows it; `surface`:
 * where the answer was given, for the audit (`run_api` unless said).
 */
export async function answerApprovalOfRun(
  parts: AnsweringParts,
  session: SessionRecord,
  runId: string,
  body: ToolApprovalBody,
  askingSessionId?: string,
  surface: AnswerSurface = 'run_api',
): Promise<SubmissionResponse> {
  const { config, stores, authorizer, report } = parts;
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
    parts.liveSessionOfRun(runId) ??
    askingSessionId ??
    (member === undefined || session.principal === undefined
      ? session.sessionId
      : identityOfPrincipal({ ...session.principal, subject: member.subject }).sessionId);
  const record = await stores.pendingAnswers.findInSession(runSessionId, body.tool_call_id);
  const live = record !== undefined && record.runId === runId && record.kind === 'approval';
  // Not waiting live: the call may wait in the database, in a run suspended under its owner.
  const suspendedCall = live ? undefined : await suspendedCallOf(parts, owner, runId, body);
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
              ...(parts.answerOutbox === undefined ? {} : { outbox: parts.answerOutbox }),
              ...keepAnswerOf(config, runSessionId),
            }),
        }
      : {}),
    suspended: async ({ alreadyKept }) =>
      parts.suspendedRuns?.answer({
        ...suspendedApprovalOf(given),
        session,
        message: {
          approved: given.approved,
          allowToolType: given.allow_tool_type,
          answeredBy: answererJsonOf(answeredBy),
          ...(given.reason === undefined ? {} : { reason: given.reason }),
        },
        alreadyKept,
        // Another principal's answer resumes the run as its owner, not as the answerer.
        ...(own ? {} : { owner }),
      }),
  });
  if (answered === undefined) throw notFound();
  return answered;
}
