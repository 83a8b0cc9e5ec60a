import type { ApprovalDecision, ApprovalRequest, RequestApproval } from '../../core/approval.js';
import type { GatewayEvent } from '../../core/events.js';
import {
  BusChannel,
  type ApprovalDecisionMessage,
  type GatewayStores,
  type PendingAnswerRecord,
  type SessionStore,
} from '../../core/stores.js';
import { approvalKey } from '../../tools/approval-gate.js';
import { parseApprovalDecisionMessage } from './bus-message-parsers.js';
import { waitForPendingAnswer } from './wait-for-pending-answer.js';
import { systemNow } from '../contracts/system-clock.js';

/** Options of `createRequestApprovalOverStores`. */
export interface RequestApprovalOverStoresOptions {
  stores: Pick<GatewayStores, 'sessions' | 'pendingAnswers' | 'bus'>;
  /** The session whose stream asks; only this session may answer. */
  sessionId: string;
  /** The run that asks: its pending answer is kept under (session, run, tool call id). */
  runId: string;
  /** Appends an event to the session's stream (the `tool_approval_request`). */
  emit: (event: GatewayEvent) => void | Promise<void>;
  /** Clock in milliseconds since the epoch; `Date.now` unless given. */
  now?: () => number;
}

/**
 * Creates the server's `RequestApproval` for one session: the question is stored as a pending
 * answer in the pending-tool store and announced as `tool_approval_request`, and the answer
 * arrives on the bus from whichever instance received `POST /chat/tool-approval`.
 *
 * Invariants: the bus subscription exists before the record, and the record before the event,
 * so an immediate answer is never lost; the record and the subscription are always removed,
 * whatever the outcome; timeout and abort resolve null. An approved "always allow" is
 * persisted on the session (`tool` or `tool:qualifier`) so that it survives this run.
 */
export function createRequestApprovalOverStores(options: RequestApprovalOverStoresOptions): RequestApproval {
  const { stores, sessionId, runId, emit } = options;
  const now = options.now ?? systemNow;

  return async function requestApprovalOverStores(request, signal): Promise<ApprovalDecision | null> {
    if (signal.aborted) return null;
    const requestedAtMs = now();
    const record: PendingAnswerRecord = {
      toolCallId: request.toolCallId,
      sessionId,
      runId,
      kind: 'approval',
      nonce: request.nonce,
      requestedAt: requestedAtMs / 1000,
      expiresAt: (requestedAtMs + request.timeoutMs) / 1000,
      status: 'approval_pending',
      toolName: request.toolName,
      resolvedQualifier: request.resolvedQualifier,
      ...(request.allowAlways === false ? { allowAlways: false as const } : {}),
    };
    const decision = await waitForPendingAnswer({
      stores,
      record,
      channel: BusChannel.approvalDecision(record),
      parse: parseApprovalDecisionMessage,
      announce: () =>
        emit({
          type: 'tool_approval_request',
          tool_call_id: record.toolCallId,
          nonce: record.nonce,
          expires_at: record.expiresAt,
          tool_name: record.toolName,
          tool_input: request.toolInput,
          resolved_qualifier: request.resolvedQualifier,
          ...(request.sandboxed === undefined ? {} : { sandboxed: request.sandboxed }),
        }),
      timeoutMs: request.timeoutMs,
      signal,
    });
    if (decision === null) return null;
    await rememberAlwaysAllow(stores.sessions, sessionId, request, decision);
    return {
      approved: decision.approved,
      allowToolType: decision.allowToolType,
      ...(decision.answeredBy === undefined ? {} : { answeredBy: decision.answeredBy }),
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    };
  };
}

/**
 * Saves an approved "always allow" on the session (`tool` or `tool:qualifier`), so that later
 * runs of the session do not ask again for that tool; nothing is saved where the request says it
 * will not be honoured (`allowAlways: false`). Every answer goes through this, whether it came
 * over the bus or from the database (a suspended run resumed, a run taken over).
 */
export async function rememberAlwaysAllow(
  sessions: Pick<SessionStore, 'addApprovedToolType'>,
  sessionId: string,
  request: Pick<ApprovalRequest, 'toolName' | 'resolvedQualifier' | 'allowAlways'>,
  decision: ApprovalDecisionMessage,
): Promise<void> {
  if (!decision.approved || !decision.allowToolType || request.allowAlways === false) return;
  await sessions.addApprovedToolType(sessionId, approvalKey(request.toolName, request.resolvedQualifier));
}
