import type { GatewayStores } from '../../core/stores.js';
import {
  claimPendingSubmission,
  type SubmissionResponse,
  type SubmissionRules,
} from './claim-pending-submission.js';
import { deliverClaimedSubmission } from './deliver-claimed-submission.js';

/** Options of the submit functions (`submitApproval`, `submitToolResult`): who posts what. */
export interface SubmitAnswerOptions<Body> {
  stores: Pick<GatewayStores, 'pendingTools' | 'bus'>;
  /** The authenticated session posting the answer. */
  sessionId: string;
  body: Body;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Receives a delivery failure (default: ignored). */
  report?: (error: unknown, where: string) => void;
}

/**
 * Answers a parked tool call: checks the answer against the stored call (session, nonce,
 * status, expiry), claims it exactly once, and hands `message` to the waiting run over the bus.
 * Returns the response instead of throwing: 200 `{status: "ok"}`, 404/409/410 `{error}` with
 * the original's messages, or 503 when the bus refused the answer (the claim is then undone, so
 * a retry works). `message` is built by the caller before the claim, so an answer that cannot
 * be serialised never uses up the call's one answer.
 */
export async function submitPendingAnswer(
  options: Omit<SubmitAnswerOptions<unknown>, 'body'> & {
    toolCallId: string;
    nonce: string;
    message: unknown;
    rules: SubmissionRules;
  },
): Promise<SubmissionResponse> {
  const { stores, toolCallId, rules } = options;
  const claim = await claimPendingSubmission({
    pendingTools: stores.pendingTools,
    sessionId: options.sessionId,
    toolCallId,
    nonce: options.nonce,
    nowMs: (options.now ?? Date.now)(),
    rules,
  });
  if (!claim.claimed) return claim.response;
  return deliverClaimedSubmission({
    ...stores,
    toolCallId,
    channel: rules.channel(toolCallId),
    message: options.message,
    waitingStatus: rules.waitingStatus,
    answeredStatus: rules.answeredStatus,
    failureMessage: rules.deliveryFailedMessage,
    report: options.report ?? (() => undefined),
  });
}
