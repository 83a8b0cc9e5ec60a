import type {
  InboxAnswer,
  InboxDecision,
  InboxItemKind,
  InboxRequester,
} from '../../core/approval-inbox-store.js';
import { BusChannel, type MessageBus } from '../../core/stores.js';
import type { InboxChange } from './record-in-inbox.js';

/**
 * An inbox change as it crosses the bus: what a follower needs to decide whether its caller may
 * see it (the requester, the call and its tool) and when it happened (`at`, the event's id),
 * never the call's nonce or session.
 */
export interface InboxChangeMessage {
  type: 'requested' | 'settled';
  approvalId: string;
  /** What it waits for; `tool_approval` when absent. */
  kind?: InboxItemKind;
  runId: string;
  toolCallId: string;
  toolName: string;
  requester: InboxRequester;
  /** When it was requested, or answered (unix ms). */
  at: number;
  answer?: InboxAnswer;
}

/** The message of a change. */
export const inboxChangeMessageOf = (change: InboxChange): InboxChangeMessage => {
  const { approval } = change;
  return {
    type: change.type,
    approvalId: approval.approvalId,
    ...(approval.kind === undefined ? {} : { kind: approval.kind }),
    runId: approval.runId,
    toolCallId: approval.toolCallId,
    toolName: approval.toolName,
    requester: approval.requester,
    at: change.type === 'settled' ? change.answer.answeredAt : approval.requestedAt,
    ...(change.type === 'settled' ? { answer: change.answer } : {}),
  };
};

/** Tells every instance of a change; a bus that fails is reported (the inbox itself is stored). */
export function publishInboxChange(
  bus: MessageBus,
  change: InboxChange,
  report: (error: unknown, where: string) => void,
): void {
  bus.publish(BusChannel.approvalInbox(), inboxChangeMessageOf(change)).catch((error: unknown) => {
    report(error, 'publishing an inbox change');
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DECISIONS: readonly InboxDecision[] = ['approved', 'denied', 'answered', 'timed_out'];

/** Narrows a bus payload to an `InboxChangeMessage`; undefined when it is not one. */
export function parseInboxChangeMessage(payload: unknown): InboxChangeMessage | undefined {
  if (!isObject(payload)) return undefined;
  const { type, approvalId, kind, runId, toolCallId, toolName, requester, at, answer } = payload;
  if (type !== 'requested' && type !== 'settled') return undefined;
  if (
    typeof approvalId !== 'string' ||
    typeof runId !== 'string' ||
    typeof toolCallId !== 'string' ||
    typeof toolName !== 'string' ||
    typeof at !== 'number' ||
    !isObject(requester) ||
    !isObject(requester['owner']) ||
    typeof requester['owner']['apiKeyHash'] !== 'string'
  ) {
    return undefined;
  }
  if (type === 'settled' && !(isObject(answer) && DECISIONS.includes(answer['decision'] as InboxDecision)))
    return undefined;
  // Published by this code on another instance: the shapes below were checked where it matters.
  return {
    type,
    approvalId,
    ...(kind === 'client_tool_result' ? { kind } : {}),
    runId,
    toolCallId,
    toolName,
    requester: requester as unknown as InboxRequester,
    at,
    ...(type === 'settled' ? { answer: answer as InboxAnswer } : {}),
  };
}
