import type { RequestApproval } from '../../core/approval.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores } from '../../core/stores.js';
import type { JsonValue } from '../../core/thread-store.js';
import { parseApprovalDecisionMessage } from '../pending-answers/bus-message-parsers.js';
import {
  createRequestApprovalOverStores,
  rememberAlwaysAllow,
} from '../pending-answers/create-request-approval-over-stores.js';

/** Options of `recallOrAskApproval`. */
export interface RecallOrAskApprovalOptions {
  stores: GatewayStores;
  sessionId: string;
  runId: string;
  /** Appends an event to the run's log (the question the client answers). */
  emit: (event: GatewayEvent) => void;
  /**
   * Answers given before the run got here (while it was suspended, or kept before it moved to
   * this instance), by tool call id; a call's answer is taken out as it is used, so only once.
   */
  answered: Map<string, JsonValue | null> | undefined;
}

/**
 * The innermost step of a run's approval question: a call already answered is answered with that
 * answer (taken once; "always allow" remembered for the session), any other is asked over the
 * stores and waited for (`createRequestApprovalOverStores`). The run's recording wraps it, so the
 * audit sees both kinds of answer.
 */
export function recallOrAskApproval(options: RecallOrAskApprovalOptions): RequestApproval {
  const { stores, sessionId, runId, emit, answered } = options;
  const askOverStores = createRequestApprovalOverStores({ stores, sessionId, runId, emit });
  return async (request, signal) => {
    if (answered?.has(request.toolCallId) !== true) return askOverStores(request, signal);
    const given = answered.get(request.toolCallId);
    answered.delete(request.toolCallId);
    const decision = parseApprovalDecisionMessage(given);
    if (decision === undefined) return null;
    await rememberAlwaysAllow(stores.sessions, sessionId, request, decision);
    return decision;
  };
}
