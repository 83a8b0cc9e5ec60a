import type { MessageBus, PendingToolStatus, PendingToolStore } from '../../core/stores.js';
import type { SubmissionResponse } from './claim-pending-submission.js';

/** Options of `deliverClaimedSubmission`. */
export interface DeliverClaimedSubmissionOptions {
  pendingTools: PendingToolStore;
  bus: MessageBus;
  toolCallId: string;
  channel: string;
  /** Already serialised and checked by the caller, so only the bus can fail here. */
  message: unknown;
  /** The claim to undo when delivery fails: `answered` back to `waiting`. */
  waitingStatus: PendingToolStatus;
  answeredStatus: PendingToolStatus;
  /** What the client is told when delivery failed (it may retry). */
  failureMessage: string;
  report: (error: unknown, where: string) => void;
}

/**
 * Publishes a claimed answer to the waiting run. If the bus refuses it (Redis down, say), the
 * claim is undone, so the client's retry is accepted instead of being told "already
 * submitted" for an answer nobody received; the client hears `503` with `retry-after`.
 */
export async function deliverClaimedSubmission(
  options: DeliverClaimedSubmissionOptions,
): Promise<SubmissionResponse> {
  try {
    await options.bus.publish(options.channel, options.message);
    return { status: 200, body: { status: 'ok' } };
  } catch (error) {
    options.report(error, `delivery of the answer to ${options.toolCallId}`);
    await options.pendingTools
      .transition(options.toolCallId, options.answeredStatus, options.waitingStatus)
      .catch((undoError: unknown) => options.report(undoError, `undoing the claim of ${options.toolCallId}`));
    return { status: 503, body: { error: options.failureMessage }, headers: { 'retry-after': '1' } };
  }
}
