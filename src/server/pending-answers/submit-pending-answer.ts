import type { GatewayStores, PendingAnswerKey, PendingAnswerRecord } from '../../core/stores.js';
import type { KeptAnswerOutcome } from '../../core/suspended-run-store.js';
import {
  claimPendingSubmission,
  type SubmissionResponse,
  type SubmissionRules,
} from './claim-pending-submission.js';
import type { AnswerOutbox } from './answer-outbox.js';
import { deliverClaimedSubmission } from './deliver-claimed-submission.js';
import { errorBody } from '../../core/http-error.js';
import { systemNow } from '../contracts/system-clock.js';

/** Options of the submit functions (`submitApproval`, `submitToolResult`): who posts what. */
export interface SubmitAnswerOptions<Body> {
  stores: Pick<GatewayStores, 'pendingAnswers' | 'bus'>;
  /** The authenticated session posting the answer. */
  sessionId: string;
  body: Body;
  /** Clock in milliseconds since the epoch; `Date.now` unless given. */
  now?: () => number;
  /** Receives a delivery failure; ignored unless given. */
  report?: (error: unknown, where: string) => void;
  /** The app's outbox of answers not received yet (see `deliverClaimedSubmission`). */
  outbox?: AnswerOutbox;
  /** How long the request waits for its answer to be received, in ms (the outbox's `deliveryWaitMs` unless given). */
  deliveryWaitMs?: number;
  /**
   * Keeps the claimed answer durably before it is delivered (the database, when there is one),
   * in the call's one answer slot: `already_answered` when another answer holds it (given to the
   * run suspended meanwhile), which is then refused with 409 and never delivered. A failure
   * undoes the claim and refuses the answer with 503, so a retry works.
   */
  keepAnswer?: (call: PendingAnswerKey, nonce: string, message: unknown) => Promise<KeptAnswerOutcome>;
  /** Refuses the answer for what the call is (see `ClaimPendingSubmissionOptions.admit`). */
  admit?: (record: PendingAnswerRecord) => SubmissionResponse | undefined;
}

/**
 * Settles a pending answer: checks the answer against the stored call (session, nonce,
 * status, expiry), claims it exactly once, and hands `message` to the waiting run over the bus.
 * Returns the response instead of throwing: 200 `{status: "ok"}` once the run received it, 202
 * `{status: "queued"}` while the outbox still tries, 404/409/410 `{error}` with the protocol's
 * messages, or 503 with `retry-after` when the store could not be reached for the claim or the
 * answer could not be queued (nothing is then claimed, so a retry works). `message` is built by
 * the caller before the claim, so an answer that cannot be serialised never uses up the call's
 * one answer.
 */
export async function submitPendingAnswer(
  options: Omit<SubmitAnswerOptions<unknown>, 'body'> & {
    toolCallId: string;
    nonce: string;
    message: unknown;
    rules: SubmissionRules;
    /** Fields added to an accepted answer's body (200 or 202), from the call it answered. */
    noteOnAccepted?: (record: PendingAnswerRecord) => Record<string, unknown> | undefined;
  },
): Promise<SubmissionResponse> {
  const { stores, toolCallId, rules } = options;
  const report = options.report ?? (() => undefined);
  let claim: Awaited<ReturnType<typeof claimPendingSubmission>>;
  try {
    claim = await claimPendingSubmission({
      pendingAnswers: stores.pendingAnswers,
      sessionId: options.sessionId,
      toolCallId,
      nonce: options.nonce,
      nowMs: (options.now ?? systemNow)(),
      rules,
      ...(options.admit === undefined ? {} : { admit: options.admit }),
    });
  } catch (error) {
    // The store is unreachable: nothing is stored, the client must send the answer again.
    report(error, `claiming the answer to ${toolCallId}`);
    return { status: 503, body: errorBody(rules.deliveryFailedMessage), headers: { 'retry-after': '1' } };
  }
  if (!claim.claimed) return claim.response;
  let kept = false;
  if (options.keepAnswer !== undefined) {
    try {
      const outcome = await options.keepAnswer(claim.key, claim.record.nonce, options.message);
      // Another answer reached the call first, through the suspended run: this one loses, and
      // its claim stays so that a repeat hears the same.
      if (outcome === 'already_answered')
        return { status: 409, body: errorBody(rules.alreadySubmittedMessage) };
      kept = outcome === 'kept';
    } catch (error) {
      report(error, `keeping the answer to ${toolCallId}`);
      await stores.pendingAnswers
        .transition(claim.key, rules.answeredStatus, rules.pendingStatus)
        .catch((undo: unknown) => report(undo, `undoing the claim of ${toolCallId}`));
      return { status: 503, body: errorBody(rules.deliveryFailedMessage), headers: { 'retry-after': '1' } };
    }
  }
  const response = await deliverClaimedSubmission({
    pendingAnswers: stores.pendingAnswers,
    bus: stores.bus,
    ...(options.outbox === undefined ? {} : { outbox: options.outbox }),
    ...(options.deliveryWaitMs === undefined ? {} : { deliveryWaitMs: options.deliveryWaitMs }),
    answer: {
      call: claim.key,
      channel: rules.channel(claim.key),
      message: options.message,
      pendingStatus: rules.pendingStatus,
      answeredStatus: rules.answeredStatus,
      expiresAtMs: claim.expiresAtMs,
      nonce: claim.record.nonce,
    },
    failureMessage: rules.deliveryFailedMessage,
    expiredMessage: rules.expiredMessage,
    report,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (kept && response.status === 404) return { ...response, kept: true };
  const note = response.status < 300 ? options.noteOnAccepted?.(claim.record) : undefined;
  return note === undefined ? response : { ...response, body: { ...response.body, ...note } };
}
