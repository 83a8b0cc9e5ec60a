import type { ApprovalAnswerer } from '../../core/approval.js';
import { BusChannel, type ClientToolResultMessage } from '../../core/stores.js';
import type { ToolResultBody } from '../contracts/request-schemas.js';
import type { SubmissionResponse, SubmissionRules } from './claim-pending-submission.js';
import { submitPendingAnswer, type SubmitAnswerOptions } from './submit-pending-answer.js';
import type { SuspendedAnswer } from './suspended-runs.js';
import type { JsonValue } from '../../core/thread-store.js';

/** Options of `submitToolResult`. */
export type SubmitToolResultOptions = SubmitAnswerOptions<ToolResultBody> & {
  /** Who gives the result when it is not the run's own client (the inbox). */
  answeredBy?: ApprovalAnswerer;
};

const resultRules: SubmissionRules = {
  pendingStatus: 'pending',
  answeredStatus: 'received',
  alreadySubmittedMessage: 'Result already submitted',
  invalidStateMessage: 'Invalid pending tool state for result submission',
  expiredMessage: 'Tool call expired',
  channel: BusChannel.clientToolResult,
  deliveryFailedMessage: 'The result could not be delivered; retry',
};

/**
 * The logic of `POST /chat/tool-result`: a client-side tool's `{result, error}` for a pending
 * answer, claimed exactly once and handed to the waiting stream (see `submitPendingAnswer`).
 */
export async function submitToolResult(options: SubmitToolResultOptions): Promise<SubmissionResponse> {
  const { body, answeredBy, ...rest } = options;
  const message: ClientToolResultMessage = {
    result: body.result,
    error: body.error,
    ...(answeredBy === undefined ? {} : { answeredBy }),
  };
  return submitPendingAnswer({
    ...rest,
    toolCallId: body.tool_call_id,
    nonce: body.nonce,
    message,
    rules: resultRules,
  });
}

/** The result as the suspended run that may wait for it in the database stores it. */
export const suspendedToolResultOf = (body: ToolResultBody): Omit<SuspendedAnswer, 'session'> => ({
  kind: 'client_tool',
  toolCallId: body.tool_call_id,
  nonce: body.nonce,
  message: JSON.parse(JSON.stringify({ result: body.result, error: body.error })) as JsonValue,
  messages: {
    alreadySubmitted: resultRules.alreadySubmittedMessage,
    expired: resultRules.expiredMessage,
    unavailable: resultRules.deliveryFailedMessage,
  },
});
