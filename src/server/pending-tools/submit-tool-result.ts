import { BusChannel, type ClientToolResultMessage, type GatewayStores } from '../../core/stores.js';
import type { ToolResultBody } from '../http/request-schemas.js';
import {
  claimPendingSubmission,
  type SubmissionResponse,
  type SubmissionRules,
} from './claim-pending-submission.js';

/** Options of `submitToolResult`. */
export interface SubmitToolResultOptions {
  stores: Pick<GatewayStores, 'pendingTools' | 'bus'>;
  /** The authenticated session posting the result. */
  sessionId: string;
  body: ToolResultBody;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

const resultRules: SubmissionRules = {
  waitingStatus: 'pending',
  answeredStatus: 'received',
  alreadySubmittedMessage: 'Result already submitted',
  invalidStateMessage: 'Invalid pending tool state for result submission',
  expiredMessage: 'Tool call expired',
};

/**
 * The logic of `POST /chat/tool-result`: validates a client-side tool's result against the
 * parked call, claims it exactly once and hands `{result, error}` to the waiting stream over
 * the bus. Returns 200 `{status: "ok"}` or 404/409/410 `{error}` with the original's messages.
 */
export async function submitToolResult(options: SubmitToolResultOptions): Promise<SubmissionResponse> {
  const { stores, sessionId, body } = options;
  const claim = await claimPendingSubmission({
    pendingTools: stores.pendingTools,
    sessionId,
    toolCallId: body.tool_call_id,
    nonce: body.nonce,
    nowMs: (options.now ?? Date.now)(),
    rules: resultRules,
  });
  if (!claim.claimed) return claim.response;
  const message: ClientToolResultMessage = { result: body.result, error: body.error };
  await stores.bus.publish(BusChannel.clientToolResult(body.tool_call_id), message);
  return { status: 200, body: { status: 'ok' } };
}
