/**
 * The message bus between instances and the channels and payloads the gateway sends over it.
 */

import type { PendingAnswerKey } from './pending-answer-store.js';
import type { ApprovalAnswerer } from './approval.js';

/** Receives one published payload. Payloads crossed a process boundary: narrow before use. */
export type BusHandler = (payload: unknown) => void;

/** Ends a subscription. Idempotent. */
export type Unsubscribe = () => Promise<void>;

/**
 * Fire-and-forget fan-out between instances. Payloads must be JSON-serialisable; a subscriber
 * receives a copy, never the publisher's object. Delivery is at most once and only to
 * subscriptions that were active when the message was published.
 */
export interface MessageBus {
  /**
   * Delivers `payload` to every current subscriber of `channel`. Resolves with how many
   * subscribers received it when the bus can tell (Redis counts subscribed connections): `0`
   * means nobody was listening, so a sender that needs delivery publishes again later (see
   * `createAnswerOutbox`). A bus that cannot count resolves `undefined`.
   */
  publish(channel: string, payload: unknown): Promise<number | void>;
  /**
   * Subscribes `handler` to `channel`. The returned promise settles once the subscription is
   * active, so a message published afterwards is guaranteed to reach it.
   */
  subscribe(channel: string, handler: BusHandler): Promise<Unsubscribe>;
  /** Drops every subscription and releases resources. Idempotent. */
  close(): Promise<void>;
}

/**
 * The bus channel names, defined in one place so that publishers and subscribers on different
 * instances always agree.
 */
export const BusChannel = {
  /**
   * Carries an `ApprovalDecisionMessage` for one pending approval. Named by the whole key: the
   * same tool call id may wait in several sessions, and each must hear only its own answer.
   */
  approvalDecision: (key: PendingAnswerKey): string =>
    `approval-decision:${key.sessionId}:${key.runId}:${key.toolCallId}`,
  /** Carries a `ClientToolResultMessage` for one pending client-side tool call (named likewise). */
  clientToolResult: (key: PendingAnswerKey): string =>
    `client-tool-result:${key.sessionId}:${key.runId}:${key.toolCallId}`,
  /** Asks whichever instance runs the session's stream to cancel it (payload: `{}`). */
  cancelRun: (sessionId: string): string => `cancel-run:${sessionId}`,
  /**
   * Carries a user message to whichever instance runs the session's run, for its next turn
   * boundary (a `SteerRunMessage`; `multitask: "steer"`).
   */
  steerRun: (sessionId: string): string => `steer-run:${sessionId}`,
  /**
   * Tells the instance running `runId` that a follower on another instance joined
   * (`{delta: 1, follower}`) or left (`{delta: -1, follower}`), so that its disconnect grace
   * period counts remote followers too. `follower` is a random id per follower.
   */
  runFollowers: (runId: string): string => `run-followers:${runId}`,
  /**
   * Tells every instance that a run was handed over (its lease relinquished), so that they scan
   * for lapsed leases now instead of at their next tick (payload: `{}`).
   */
  runsHandedOver: (): string => 'runs-handed-over',
  /**
   * Tells every instance that a model's circuit opened (a `CircuitOpenedMessage`), so that all
   * of them skip it for the rest of its cool-down.
   */
  circuitOpened: (): string => 'circuit-opened',
  /**
   * Tells every instance that an approval entered the inbox or left it (answered, timed out),
   * so that each instance's `GET /approvals/stream` followers hear it (an `InboxChange`, without
   * the call's nonce).
   */
  approvalInbox: (): string => 'approval-inbox',
  /**
   * Tells every instance that a schedule was created, enabled or re-timed (payload
   * `{dueAt}`, ms since the epoch), so that each one's firer has a round then rather than up to a
   * poll later; the database's claim keeps the fire once.
   */
  scheduleDue: (): string => 'schedule-due',
} as const;

/**
 * Payload of `BusChannel.steerRun`: the run it is for (another run of the session ignores it),
 * an id (repeats of one publish are delivered once) and the user message's text.
 */
export interface SteerRunMessage {
  runId: string;
  id: string;
  text: string;
}

/** Payload of `BusChannel.approvalDecision`. */
export interface ApprovalDecisionMessage {
  approved: boolean;
  allowToolType: boolean;
  /** Who answered, when not the run's own session. */
  answeredBy?: ApprovalAnswerer;
  /** Why, in the answerer's words (sent with a denial, read by the model). */
  reason?: string;
}

/** Payload of `BusChannel.clientToolResult`: the client's `{result, error}` as posted. */
export interface ClientToolResultMessage {
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  /** Who gave it when another principal answered from the inbox; absent for the run's own client. */
  answeredBy?: ApprovalAnswerer;
}
