import { BusChannel, type ApprovalDecisionMessage, type GatewayStores } from '../../core/stores.js';
import type { ToolApprovalBody } from '../http/request-schemas.js';
import {
  claimPendingSubmission,
  type SubmissionResponse,
  type SubmissionRules,
} from './claim-pending-submission.js';

/** Options of `submitApproval`. */
export interface SubmitApprovalOptions {
  stores: Pick<GatewayStores, 'pendingTools' | 'bus'>;
  /** The authenticated session posting the answer. */
  sessionId: string;
  body: ToolApprovalBody;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

const approvalRules: SubmissionRules = {
  waitingStatus: 'approval_pending',
  answeredStatus: 'approval_received',
  alreadySubmittedMessage: 'Approval already submitted',
  invalidStateMessage: 'Invalid pending tool state for approval submission',
  expiredMessage: 'Tool approval expired',
};

/**
 * The logic of `POST /chat/tool-approval`: validates the answer against the parked call,
 * claims it exactly once and hands the decision to the waiting stream over the bus. Returns
 * the response instead of throwing: 200 `{status: "ok"}`, or 404/409/410 `{error}` with the
 * original's messages.
 */
export async function submitApproval(options: SubmitApprovalOptions): Promise<SubmissionResponse> {
  const { stores, sessionId, body } = options;
  const claim = await claimPendingSubmission({
    pendingTools: stores.pendingTools,
    sessionId,
    toolCallId: body.tool_call_id,
    nonce: body.nonce,
    nowMs: (options.now ?? Date.now)(),
    rules: approvalRules,
  });
  if (!claim.claimed) return claim.response;
  const decision: ApprovalDecisionMessage = { approved: body.approved, allowToolType: body.allow_tool_type };
  await stores.bus.publish(BusChannel.approvalDecision(body.tool_call_id), decision);
  return { status: 200, body: { status: 'ok' } };
}
