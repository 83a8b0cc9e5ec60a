import { GatewayError } from '../../core/errors.js';
import type { GatewayStores, PendingAnswerRecord } from '../../core/stores.js';
import { subscribeForOneMessage } from './subscribe-for-one-message.js';

/** Options of `waitForPendingAnswer`. */
export interface WaitForPendingAnswerOptions<Message> {
  stores: Pick<GatewayStores, 'pendingAnswers' | 'bus'>;
  /** The pending answer to store: an approval or a client-side tool call of one run. */
  record: PendingAnswerRecord;
  /** The bus channel its answer arrives on, from whichever instance received it. */
  channel: string;
  /** Narrows a message of the channel; messages it rejects are ignored. */
  parse: (payload: unknown) => Message | undefined;
  /** Tells the client about the call; runs once the pending answer is stored and subscribed. */
  announce: () => void | Promise<void>;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Stores a pending answer in the pending-tool store, announces it and waits for its answer on
 * the bus: the answer, or null when `timeoutMs` passes or `signal` aborts first.
 *
 * Invariants: the bus subscription exists before the record, and the record before the
 * announcement, so an immediate answer is never lost; the subscription is always removed; an
 * unanswered call's record is withdrawn, an answered one stays as a tombstone until it expires
 * (a repeated answer is then told 409 rather than 404). Throws `internal_error` when the run
 * already has a call of the same id waiting (the model repeated an id).
 */
export async function waitForPendingAnswer<Message>(
  options: WaitForPendingAnswerOptions<Message>,
): Promise<Message | null> {
  const { stores, record } = options;
  const subscription = await subscribeForOneMessage({
    bus: stores.bus,
    channel: options.channel,
    parse: options.parse,
  });
  let created = false;
  let answered = false;
  try {
    created = await stores.pendingAnswers.create(record);
    // Only this run's own call of the same id can be in the way (the model repeated an id).
    if (!created) {
      throw new GatewayError(
        'internal_error',
        `tool call ${record.toolCallId} is already waiting for an answer in this run`,
      );
    }
    await options.announce();
    const message = await subscription.wait({ timeoutMs: options.timeoutMs, signal: options.signal });
    answered = message !== null;
    return message;
  } finally {
    await subscription.close();
    if (created && !answered) await stores.pendingAnswers.delete(record);
  }
}
