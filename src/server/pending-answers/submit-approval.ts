import type { ApprovalAnswerer } from '../../core/approval.js';
import { BusChannel, type ApprovalDecisionMessage } from '../../core/stores.js';
import type { ToolApprovalBody } from '../contracts/request-schemas.js';
import type { SubmissionResponse, SubmissionRules } from './claim-pending-submission.js';
import { submitPendingAnswer, type SubmitAnswerOptions } from './submit-pending-answer.js';
import type { SuspendedAnswer } from './suspended-runs.js';

/** Options of `submitApproval`. */
export type SubmitApprovalOptions = SubmitAnswerOptions<ToolApprovalBody> & {
  /** Who answers, when not the run's own session (the audit records it). */
  answeredBy?: ApprovalAnswerer;
};

const approvalRules: SubmissionRules = {
  pendingStatus: 'approval_pending',
  answeredStatus: 'approval_received',
  alreadySubmittedMessage: 'Approval already submitted',
  invalidStateMessage: 'Invalid pending tool state for approval submission',
  expiredMessage: 'Tool approval expired',
  channel: BusChannel.approvalDecision,
  deliveryFailedMessage: 'The approval could not be delivered; retry',
};

/**
 * The logic of `POST /chat/tool-approval`: the decision for a pending answer, claimed exactly once
 * and handed to the waiting stream (see `submitPendingAnswer` for the responses).
 */
export async function submitApproval(options: SubmitApprovalOptions): Promise<SubmissionResponse> {
  const { body, answeredBy, ...rest } = options;
  const decision: ApprovalDecisionMessage = {
    approved: body.approved,
    allowToolType: body.allow_tool_type,
    ...(answeredBy === undefined ? {} : { answeredBy }),
    ...(body.reason === undefined ? {} : { reason: body.reason }),
  };
  return submitPendingAnswer({
    ...rest,
    toolCallId: body.tool_call_id,
    nonce: body.nonce,
    message: decision,
    rules: approvalRules,
    noteOnAccepted: (record) =>
      body.approved && body.allow_tool_type && record.allowAlways === false
        ? {
            allow_tool_type_applied: false,
            note:
              'Approved once: "always allow" is not applied to this call (it runs unsandboxed; ' +
              'codeExecution.allowAlwaysForUnsandboxed allows it)',
          }
        : undefined,
  });
}

/** The decision as the suspended run that may wait for it in the database stores it. */
export const suspendedApprovalOf = (body: ToolApprovalBody): Omit<SuspendedAnswer, 'session'> => ({
  kind: 'approval',
  toolCallId: body.tool_call_id,
  nonce: body.nonce,
  message: {
    approved: body.approved,
    allowToolType: body.allow_tool_type,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
  },
  messages: {
    alreadySubmitted: approvalRules.alreadySubmittedMessage,
    expired: approvalRules.expiredMessage,
    unavailable: approvalRules.deliveryFailedMessage,
  },
});
