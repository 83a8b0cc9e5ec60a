import type { MessageBus, PendingAnswerStore } from '../../core/stores.js';
import {
  createAnswerOutbox,
  type AnswerDeliveryOutcome,
  type AnswerOutbox,
  type OutboxAnswer,
} from './answer-outbox.js';
import type { SubmissionResponse } from './claim-pending-submission.js';
import { errorBody } from '../../core/http-error.js';

/** Options of `deliverClaimedSubmission`. */
export interface DeliverClaimedSubmissionOptions {
  pendingAnswers: PendingAnswerStore;
  bus: MessageBus;
  /**
   * The app's outbox, which keeps publishing an answer nobody heard yet after the request has
   * been answered `202`. Absent: a private one that gives up when the request stops waiting
   * (the claim is then undone and the client hears `503`).
   */
  outbox?: AnswerOutbox;
  /**
   * The claimed answer. Its message is already serialised and checked by the caller, so only
   * the bus can fail here; when delivery fails, its claim is undone (`answered` back to `waiting`).
   */
  answer: OutboxAnswer;
  /** How long the request waits for delivery, in ms (the outbox's `deliveryWaitMs` unless given). */
  deliveryWaitMs?: number;
  /** What the client is told when delivery failed (it may retry). */
  failureMessage: string;
  /** What the client is told when the call expired before anyone received the answer. */
  expiredMessage: string;
  report: (error: unknown, where: string) => void;
  /** Clock of a private outbox, in milliseconds since the epoch; `Date.now` unless given. */
  now?: () => number;
}

const retryLater = (message: string): SubmissionResponse => ({
  status: 503,
  body: errorBody(message),
  headers: { 'retry-after': '1' },
});

/** Resolves with `outcome`'s value, or `'waiting'` once `ms` passed first. */
const within = async (
  outcome: Promise<AnswerDeliveryOutcome>,
  ms: number,
): Promise<AnswerDeliveryOutcome | 'waiting'> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<'waiting'>((resolve) => {
    timer = setTimeout(() => resolve('waiting'), ms);
  });
  try {
    return await Promise.race([outcome, waited]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Hands a claimed answer to the waiting run through the outbox, which publishes it again until
 * a subscriber received it (Redis pub/sub reaches only connections subscribed at that moment:
 * after a Redis outage the run's instance may not have subscribed again yet). The client is
 * told what happened: `200 {status: "ok"}` once received; `202 {status: "queued"}` when it was
 * not received within `deliveryWaitMs` and the outbox keeps trying until the call expires;
 * `404` when the call stopped waiting meanwhile, `410` when it expired; `503` with
 * `retry-after` when it could not be queued (the claim is undone, so the retry is accepted).
 */
export async function deliverClaimedSubmission(
  options: DeliverClaimedSubmissionOptions,
): Promise<SubmissionResponse> {
  const { pendingAnswers, answer } = options;
  const ownsOutbox = options.outbox === undefined;
  const outbox =
    options.outbox ??
    createAnswerOutbox({
      bus: options.bus,
      pendingAnswers,
      report: options.report,
      maxEntries: 1,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  try {
    const delivery = outbox.deliver(answer);
    if (delivery === undefined) {
      await pendingAnswers
        .transition(answer.call, answer.answeredStatus, answer.pendingStatus)
        .catch((error: unknown) => options.report(error, `undoing the claim of ${answer.call.toolCallId}`));
      return retryLater(options.failureMessage);
    }
    const outcome = await within(delivery, options.deliveryWaitMs ?? outbox.deliveryWaitMs);
    switch (outcome) {
      case 'delivered':
        return { status: 200, body: { status: 'ok' } };
      case 'withdrawn':
        return { status: 404, body: errorBody('The tool call is no longer waiting for an answer') };
      case 'expired':
        return { status: 410, body: errorBody(options.expiredMessage) };
      case 'closed':
        return retryLater(options.failureMessage);
    }
    // Still not received. A private outbox closes below, undoing the claim: the client retries.
    return ownsOutbox ? retryLater(options.failureMessage) : { status: 202, body: { status: 'queued' } };
  } finally {
    if (ownsOutbox) await outbox.close();
  }
}
