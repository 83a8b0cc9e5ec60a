import { BusChannel, type ApprovalDecisionMessage, type GatewayStores } from '../../core/stores.js';
import type { ToolApprovalBody } from '../http/request-schemas.js';
import {
  claimPendingSubmission,
  type SubmissionResponse,
  type SubmissionRules,
} from './claim-pending-submission.js';
import { deliverClaimedSubmission } from './deliver-claimed-submission.js';

/** Options of `submitApproval`. */
export interface SubmitApprovalOptions {
  stores: Pick<GatewayStores, 'pendingTools' | 'bus'>;
  /** The authenticated session posting the answer. */
  sessionId: string;
  body: ToolApprovalBody;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Receives a delivery failure (default: ignored). */
  report?: (error: unknown, where: string) => void;
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
 * the response instead of throwing: 200 `{status: "ok"}`, 503 when the bus refused the decision
 * (the claim is undone, so a retry works), or 404/409/410 `{error}` with the
 * original's messages.
 */
export async function submitApproval(options: SubmitApprovalOptions): Promise<SubmissionResponse> {
  const { stores, sessionId, body } = options;
  const decision: ApprovalDecisionMessage = { approved: body.approved, allowToolType: body.allow_tool_type };
  const claim = await claimPendingSubmission({
    pendingTools: stores.pendingTools,
    sessionId,
    toolCallId: body.tool_call_id,
    nonce: body.nonce,
    nowMs: (options.now ?? Date.now)(),
    rules: approvalRules,
  });
  if (!claim.claimed) return claim.response;
  return deliverClaimedSubmission({
    ...stores,
    toolCallId: body.tool_call_id,
    channel: BusChannel.approvalDecision(body.tool_call_id),
    message: decision,
    waitingStatus: approvalRules.waitingStatus,
    answeredStatus: approvalRules.answeredStatus,
    failureMessage: 'The approval could not be delivered; retry',
    report: options.report ?? (() => undefined),
  });
}
