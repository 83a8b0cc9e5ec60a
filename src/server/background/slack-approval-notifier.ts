import { systemNow } from '../contracts/system-clock.js';
import type { InboxAnswer, InboxApproval } from '../../core/approval-inbox-store.js';
import { ChurnMap } from '../../core/churn-map.js';
import { BusChannel, type MessageBus, type Unsubscribe } from '../../core/stores.js';
import type { SlackApprovalsSettings } from '../contracts/approvals-option.js';
import { parseInboxChangeMessage, type InboxChangeMessage } from '../threads/inbox-change-bus.js';
import {
  approvalOutcomeBlocks,
  approvalRequestBlocks,
  outcomeText,
  requestText,
} from '../slack/slack-approval-message.js';
import type { SlackClient, SlackMessageRef } from '../slack/slack-client.js';
import { createPoller } from './poller.js';

/** Options of `createSlackApprovalNotifier`. */
export interface SlackApprovalNotifierOptions {
  settings: SlackApprovalsSettings;
  client: SlackClient;
  bus: MessageBus;
  /** The approval as the inbox has it now; undefined when unknown (or without a database). */
  approvalOf: (approvalId: string) => Promise<InboxApproval | undefined>;
  /** Whether `runId` runs on this instance: only the instance whose run asked posts its message. */
  runsHere: (runId: string) => boolean;
  report: (error: unknown, where: string) => void;
  now?: () => number;
}

/** The posting instance's part of Slack's approvals: started and closed with the background work. */
export interface SlackApprovalNotifier {
  /** Follows the inbox's changes and starts the expiry sweep (idempotent). */
  start(): Promise<void>;
  /** One expiry sweep now (what the timer does every `expirySweepMs`). */
  sweep(): Promise<void>;
  /** Stops following and sweeping; messages not updated yet stay as they are. Idempotent. */
  close(): Promise<void>;
}

/**
 * Whether Slack is told of an approval: a tool's approval of a requester of a tenant, which
 * another principal of that tenant may give (`server.authorize` decides whom); an API key's own
 * runs are answered only by the key, never from Slack.
 */
const isForSlack = (change: InboxChangeMessage): boolean =>
  (change.kind ?? 'tool_approval') === 'tool_approval' && change.requester.principal?.tenant !== undefined;

/**
 * Posts each approval a tenant's approver may give to `server.approvals.slack.channel`, with
 * Approve and Deny buttons, and keeps the message up to date: who answered and where once the
 * inbox settles it (on any instance: its change crosses the bus), or that it expired. Only the
 * instance whose run asked posts (a run asks on one instance), so each approval is posted once.
 * Which message belongs to which approval is kept in this instance's memory until the approval
 * ends: after a restart of the posting instance its messages are not updated, and their buttons
 * still answer (or refuse with a reason), because a click carries the approval's id.
 */
export function createSlackApprovalNotifier(options: SlackApprovalNotifierOptions): SlackApprovalNotifier {
  const { settings, client, report } = options;
  const now = options.now ?? systemNow;
  const posted = new ChurnMap<string, { message: SlackMessageRef; expiresAt: number }>();
  let unsubscribe: Promise<Unsubscribe> | undefined;
  let closed = false;

  const post = async (approvalId: string): Promise<void> => {
    const approval = await options.approvalOf(approvalId);
    if (approval === undefined || approval.answer !== undefined || closed) return;
    const message = await client.postMessage(
      settings.channel,
      requestText(approval),
      approvalRequestBlocks(approval),
    );
    posted.set(approvalId, { message, expiresAt: approval.expiresAt });
  };

  const showOutcome = async (approvalId: string, answer: InboxAnswer): Promise<void> => {
    const entry = posted.get(approvalId);
    if (entry === undefined) return;
    posted.delete(approvalId);
    const approval = await options.approvalOf(approvalId);
    if (approval === undefined) return;
    await client.update(entry.message, outcomeText(answer), approvalOutcomeBlocks(approval, answer));
  };

  const onChange = (payload: unknown): void => {
    const change = parseInboxChangeMessage(payload);
    if (change === undefined || !isForSlack(change) || closed) return;
    const work =
      change.type === 'requested'
        ? options.runsHere(change.runId)
          ? post(change.approvalId)
          : undefined
        : change.answer === undefined
          ? undefined
          : showOutcome(change.approvalId, change.answer);
    work?.catch((error: unknown) => report(error, `slack message of approval ${change.approvalId}`));
  };

  /** Marks expired the messages whose approval is past its expiry with no answer. */
  const sweep = async (): Promise<void> => {
    const at = now();
    for (const [approvalId, entry] of posted) {
      if (entry.expiresAt > at) continue;
      const approval = await options.approvalOf(approvalId);
      // Asked again by a resumed run: it waits longer.
      if (approval !== undefined && approval.answer === undefined && approval.expiresAt > at) {
        entry.expiresAt = approval.expiresAt;
        continue;
      }
      await showOutcome(
        approvalId,
        approval?.answer ?? { decision: 'timed_out', answeredAt: entry.expiresAt },
      );
    }
  };

  const poller = createPoller({
    name: 'slack approvals expiry sweep',
    tick: sweep,
    report,
    intervalMs: settings.expirySweepMs,
  });

  return {
    async start() {
      if (closed) return;
      unsubscribe ??= options.bus.subscribe(BusChannel.approvalInbox(), onChange);
      await unsubscribe;
      poller.start();
    },
    sweep: async () => {
      await poller.tickNow();
    },
    async close() {
      closed = true;
      await poller.close();
      const stop = unsubscribe;
      unsubscribe = undefined;
      await (
        await stop
      )?.();
    },
  };
}
