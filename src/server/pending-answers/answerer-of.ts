import type { AnswerSurface, ApprovalAnswerer } from '../../core/approval.js';
import type { SessionRecord } from '../../core/stores.js';
import type { JsonObject } from '../../core/thread-store.js';
import { ownerOfSession } from '../contracts/session-owner.js';

/**
 * The answering session as the decision and the audit name it: its owner, its principal and the
 * surface it answered on (`inbox`, `slack`, ...).
 */
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

/** The answerer as the JSON a suspended run's answer is stored as (read back by the resumed run). */
export const answererJsonOf = (answerer: ApprovalAnswerer): JsonObject => ({
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
