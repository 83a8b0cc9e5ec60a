import { BusChannel, type ClientToolResultMessage, type GatewayStores } from '../../core/stores.js';
import type { ToolResultBody } from '../http/request-schemas.js';
import {
  claimPendingSubmission,
  type SubmissionResponse,
  type SubmissionRules,
} from './claim-pending-submission.js';
import { deliverClaimedSubmission } from './deliver-claimed-submission.js';

/** Options of `submitToolResult`. */
export interface SubmitToolResultOptions {
  stores: Pick<GatewayStores, 'pendingTools' | 'bus'>;
  /** The authenticated session posting the result. */
  sessionId: string;
  body: ToolResultBody;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Receives a delivery failure (default: ignored). */
  report?: (error: unknown, where: string) => void;
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
 * the bus. Returns 200 `{status: "ok"}` or 404/409/410 `{error}` with the original's messages,
 * or 503 when the bus refused the result (the claim is then undone, so a retry works).
 */
export async function submitToolResult(options: SubmitToolResultOptions): Promise<SubmissionResponse> {
  const { stores, sessionId, body } = options;
  // Built (and so known to be serialisable) before the claim: a body that cannot be delivered
  // must not use up the call's one answer.
  const message: ClientToolResultMessage = { result: body.result, error: body.error };
  const claim = await claimPendingSubmission({
    pendingTools: stores.pendingTools,
    sessionId,
    toolCallId: body.tool_call_id,
    nonce: body.nonce,
    nowMs: (options.now ?? Date.now)(),
    rules: resultRules,
  });
  if (!claim.claimed) return claim.response;
  return deliverClaimedSubmission({
    ...stores,
    toolCallId: body.tool_call_id,
    channel: BusChannel.clientToolResult(body.tool_call_id),
    message,
    waitingStatus: resultRules.waitingStatus,
    answeredStatus: resultRules.answeredStatus,
    failureMessage: 'The result could not be delivered; retry',
    report: options.report ?? (() => undefined),
  });
}
