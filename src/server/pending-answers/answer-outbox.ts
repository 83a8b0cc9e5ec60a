import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  callable,
  objectOf,
  parseOptions,
  positiveInteger,
  positiveNumber,
} from '../../core/parse-options.js';
import type {
  MessageBus,
  PendingAnswerKey,
  PendingAnswerStatus,
  PendingAnswerStore,
} from '../../core/stores.js';
import { ChurnSet } from '../../core/churn-map.js';
import { systemNow } from '../contracts/system-clock.js';

const answerOutboxOptionsSchema = z.strictObject({
  // Checked as objects only: a lazily connected store answers nothing before it starts.
  bus: objectOf<MessageBus>('a MessageBus'),
  pendingAnswers: objectOf<PendingAnswerStore>('a PendingAnswerStore'),
  /** Most answers held at once; `deliver` refuses one more. */
  maxEntries: positiveInteger().default(1_000),
  /** First pause between two publishes of one answer in ms, doubled each time… */
  retryIntervalMs: positiveNumber().default(100),
  /** …up to this, in ms. */
  maxRetryIntervalMs: positiveNumber().default(2_000),
  /** How long the request that posted an answer waits for its delivery before it hears `202`, in ms. */
  deliveryWaitMs: positiveNumber().default(5_000),
  /** Clock in milliseconds since the epoch. */
  now: callable<() => number>().default(() => systemNow),
  /** Receives failures to publish or to undo a claim (each distinct message once per answer). */
  report: callable<(error: unknown, where: string) => void>(),
  /**
   * Whether the store can be reached now (`GatewayStores.isAvailable`; always unless given).
   * While it cannot, the outbox waits instead of queueing commands that would only wait for the
   * reconnect (and hold up `close()`).
   */
  isAvailable: callable<() => boolean>().default(() => () => true),
});

/** Options of `createAnswerOutbox`. */
export type AnswerOutboxOptions = z.input<typeof answerOutboxOptionsSchema>;

/** One claimed answer to hand to the run waiting for it. */
export interface OutboxAnswer {
  /** The claimed call. */
  call: PendingAnswerKey;
  channel: string;
  message: unknown;
  /** The claim the answer holds (`answeredStatus`), and the status it undoes to. */
  pendingStatus: PendingAnswerStatus;
  answeredStatus: PendingAnswerStatus;
  /** When the call stops waiting (epoch milliseconds): the answer is dropped then. */
  expiresAtMs: number;
  /**
   * The claimed call's nonce. When given, a claim still answered but under another nonce means
   * the run took the answer from the database (`markTakenFromDatabase`): delivered.
   */
  nonce?: string;
}

/**
 * How a delivery ended: `delivered` (a subscriber of the channel received it, or its run took it
 * from the database), `withdrawn`
 * (the call no longer holds this answer's claim: its run ended or moved), `expired`, or
 * `closed` (the outbox closed first; the claim was undone, so the answer may be posted again).
 */
export type AnswerDeliveryOutcome = 'delivered' | 'withdrawn' | 'expired' | 'closed';

/** Claimed answers published until a subscriber receives them, bounded in count and time. */
export interface AnswerOutbox {
  /**
   * Publishes `answer` now and, while no subscriber received it, again with a growing pause
   * until one does, the call stops holding the claim, or it expires. Resolves with the outcome;
   * undefined when the outbox is full or closed (nothing was published: refuse the answer).
   */
  deliver(answer: OutboxAnswer): Promise<AnswerDeliveryOutcome> | undefined;
  /** Answers not delivered yet. */
  readonly size: number;
  /** How long the request that posted an answer waits for its delivery before it hears `202`, in ms. */
  readonly deliveryWaitMs: number;
  /** Stops retrying; the claims of answers still held are undone (best effort). Idempotent. */
  close(): Promise<void>;
}

/**
 * An answer being delivered and how its delivery will end. A class, not a literal: an object
 * literal's allocation site may be pretenured (see `ChurnMap`).
 */
class Delivery {
  constructor(
    readonly answer: OutboxAnswer,
    readonly outcome: Promise<AnswerDeliveryOutcome>,
  ) {}
}

/** How long `close()` waits for an answer's last attempt before giving up on undoing its claim. */
const CLOSE_WAIT_MS = 1_000;

/**
 * Creates the outbox of claimed tool answers (approval decisions, client-side tool results).
 * Pub/sub delivers at most once and only to current subscribers: a message published while
 * Redis is unreachable, or before the waiting run's instance has subscribed again after a
 * reconnect, reaches nobody. Redis says how many subscribers received a message, so an answer
 * is published again until one did (a run takes the first answer and ignores repeats).
 */
export function createAnswerOutbox(given: AnswerOutboxOptions): AnswerOutbox {
  const {
    bus,
    pendingAnswers,
    report,
    maxEntries,
    retryIntervalMs: firstInterval,
    maxRetryIntervalMs: maxInterval,
    deliveryWaitMs,
    now,
    isAvailable,
  } = parseOptions(answerOutboxOptionsSchema, given, 'createAnswerOutbox');
  const deliveries = new ChurnSet<Delivery>();
  const stop = new AbortController();
  let closing: Promise<void> | undefined;

  /**
   * Where this answer's claim stands: `held` (still to deliver; also when the store cannot tell
   * now), `taken` (re-stamped: its run took the answer from the database) or `gone`.
   */
  const claimOf = async (answer: OutboxAnswer): Promise<'held' | 'taken' | 'gone'> => {
    try {
      const record = await pendingAnswers.get(answer.call);
      if (record === undefined || record.status !== answer.answeredStatus) return 'gone';
      return answer.nonce === undefined || record.nonce === answer.nonce ? 'held' : 'taken';
    } catch {
      return 'held';
    }
  };

  const run = async (answer: OutboxAnswer): Promise<AnswerDeliveryOutcome> => {
    let interval = firstInterval;
    let lastReported = '';
    for (;;) {
      const reachable = isAvailable();
      if (reachable) {
        try {
          const receivers = await bus.publish(answer.channel, answer.message);
          // A bus that cannot count its receivers (a custom one) is trusted to have delivered.
          if (receivers === undefined || receivers > 0) return 'delivered';
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          if (text !== lastReported) report(error, `delivery of the answer to ${answer.call.toolCallId}`);
          lastReported = text;
        }
      }
      if (stop.signal.aborted) return 'closed';
      if (now() >= answer.expiresAtMs) return 'expired';
      if (reachable) {
        const claim = await claimOf(answer);
        if (claim !== 'held') return claim === 'taken' ? 'delivered' : 'withdrawn';
      }
      try {
        await sleep(Math.min(interval, Math.max(1, answer.expiresAtMs - now())), undefined, {
          signal: stop.signal,
        });
      } catch {
        return 'closed';
      }
      interval = Math.min(interval * 2, maxInterval);
    }
  };

  return {
    deliver(answer) {
      if (stop.signal.aborted || deliveries.size >= maxEntries) return undefined;
      const outcome = run(answer).finally(() => deliveries.delete(ticket));
      const ticket = deliveries.add(new Delivery(answer, outcome));
      return outcome;
    },
    get size() {
      return deliveries.size;
    },
    deliveryWaitMs,
    close() {
      closing ??= (async () => {
        const undelivered = [...deliveries];
        stop.abort();
        await Promise.all(
          undelivered.map(async ({ answer, outcome }) => {
            let timer: ReturnType<typeof setTimeout> | undefined;
            const late = new Promise<'late'>((resolve) => {
              timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
            });
            const ended = await Promise.race([outcome, late]);
            clearTimeout(timer);
            if (ended === 'late') {
              report(new Error('the store did not answer'), `undoing the claim of ${answer.call.toolCallId}`);
              return;
            }
            if (ended !== 'closed') return;
            if (!isAvailable()) {
              report(new Error('the store is unreachable'), `undoing the claim of ${answer.call.toolCallId}`);
              return;
            }
            // Nobody received it: let the client's next attempt (on another instance) claim again,
            // unless its run took it from the database meanwhile.
            if ((await claimOf(answer)) !== 'held') return;
            await pendingAnswers
              .transition(answer.call, answer.answeredStatus, answer.pendingStatus)
              .catch((error: unknown) => report(error, `undoing the claim of ${answer.call.toolCallId}`));
          }),
        );
      })();
      return closing;
    },
  };
}
