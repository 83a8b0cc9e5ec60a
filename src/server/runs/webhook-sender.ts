import { setMaxListeners } from 'node:events';
import { Webhook } from 'standardwebhooks';
import { postJson } from '../../agent/post-json.js';
import type {
  ApprovalWaitedOn,
  BackgroundRunRecord,
  BackgroundRunStore,
  WebhookDelivery,
} from '../../core/background-run-store.js';
import type { Logger } from '../../core/logger.js';
import type { JsonObject, RunRecordRow } from '../../core/thread-store.js';
import { mayDeliverTo } from '../protocols/a2a/push-url-check.js';
import { runToWire } from '../threads/thread-wire.js';
import { nextAttemptAt } from './webhook-retry-delay.js';
import type { WebhooksSettings } from '../contracts/webhooks-option.js';
import { approvalIdOf } from '../threads/inbox-entry.js';
import { inboxAddressOf } from '../contracts/inbox-address.js';

/** Ended runs put in the outbox per round. */
const ENQUEUE_BATCH = 100;
/** Notifications claimed (and sent at once) per round. */
const CLAIM_BATCH = 20;
/** A claim outlasts the attempt's timeout by this much, so that only a dead claimer's lapses. */
const CLAIM_SLACK_MS = 1_000;

/** Options of `createWebhookSender`. */
export interface WebhookSenderOptions {
  /** The store of the moment (undefined while the database is not open). */
  store: () => BackgroundRunStore | undefined;
  settings: WebhooksSettings;
  /** This instance's claim name (unique per process). */
  claimer: string;
  logger: Logger;
  report: (error: unknown, where: string) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** The instance's part of webhook delivery: started once the database is open, closed with the app. */
export interface WebhookSender {
  /** Starts the rounds (idempotent). */
  start(): void;
  /** One round now: ended runs into the outbox, then due notifications sent; resolves when done. */
  round(): Promise<void>;
  /** Stops the rounds and aborts attempts under way (their claims lapse). Idempotent. */
  close(): Promise<void>;
}

/** The body of a run's end notification: `run.ended`, the run as `GET /runs/:id` shows it. */
export const runEndedPayload = (run: RunRecordRow, background: BackgroundRunRecord): JsonObject =>
  JSON.parse(
    JSON.stringify({
      type: 'run.ended',
      timestamp: new Date(run.endedAt ?? background.createdAt).toISOString(),
      data: {
        ...runToWire(run),
        metadata: background.metadata,
        schedule_id: background.scheduleId ?? null,
      },
    }),
  ) as JsonObject;

/**
 * The body of an approval's notification: `run.approval_requested`, naming the run, its thread,
 * the tool and the tool call, its `approval_id` and `inbox_url` (where a person answers it).
 * Never the approval's nonce: the inbox answers by approval id with the approver's own
 * credentials, and the run's client reads the nonce from its stream.
 */
export const approvalRequestedPayload = (
  background: BackgroundRunRecord,
  approval: ApprovalWaitedOn,
  now: number,
  inboxUrl?: string,
): JsonObject => {
  const approvalId = approvalIdOf(background.runId, approval.toolCallId);
  return JSON.parse(
    JSON.stringify({
      type: 'run.approval_requested',
      timestamp: new Date(now).toISOString(),
      data: {
        run_id: background.runId,
        thread_id: background.threadId,
        tool_name: approval.toolName,
        tool_call_id: approval.toolCallId,
        approval_id: approvalId,
        inbox_url: inboxAddressOf(inboxUrl, approvalId),
        metadata: background.metadata,
        schedule_id: background.scheduleId ?? null,
      },
    }),
  ) as JsonObject;
};

/**
 * Delivers the webhooks of background runs from the database's outbox. Every round, on every
 * instance, it puts the end of each ended run with a webhook into the outbox (once per run,
 * whoever sees it first), and each approval a run is suspended on when its webhook asked for
 * `run.approval_requested` (once per tool call), and claims the notifications that are due
 * (each by one instance at a time), then POSTs each as a Standard Webhooks request
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`, the same id on every attempt) with the push-notification rules: no
 * redirect followed, a host that resolves to a non-public address refused unless allowed,
 * secrets kept out of errors and logs (which name the host, never the URL). A failed attempt
 * is retried with backoff until `retryForMs`; a claimer that dies leaves a claim that lapses.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { settings, claimer, logger, report } = options;
  const now = options.now ?? Date.now;
  const stop = new AbortController();
  // Each attempt in flight links its own controller to this one (an abort listener): a round
  // sends up to CLAIM_BATCH at once, and rounds never overlap. Above Node's default of 10 it
  // warned of a leak that is not one.
  setMaxListeners(CLAIM_BATCH * 2, stop.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;
  let started = false;

  const attempt = async (delivery: WebhookDelivery): Promise<string | undefined> => {
    const secret = delivery.secret ?? settings.secret;
    if (secret === undefined) return 'no secret to sign with (server.webhooks.secret is not set)';
    const url = new URL(delivery.url);
    if (!(await mayDeliverTo(url, settings.allowedHosts))) {
      return 'its host resolves to a non-public address (server.webhooks.allowedHosts allows one)';
    }
    const body = JSON.stringify(delivery.payload);
    const sentAt = new Date(now());
    const signature = new Webhook(secret).sign(delivery.id, sentAt, body);
    await postJson({
      url: delivery.url,
      body: delivery.payload,
      headers: {
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      },
      timeoutMs: settings.timeoutMs,
      signal: stop.signal,
      description: `webhook ${delivery.id}`,
      secrets: [secret, url.search],
    });
    return undefined;
  };

  const send = async (store: BackgroundRunStore, delivery: WebhookDelivery): Promise<void> => {
    let failure: string | undefined;
    try {
      failure = await attempt(delivery);
    } catch (error) {
      if (stop.signal.aborted) return;
      failure = error instanceof Error ? error.message : String(error);
    }
    const at = now();
    if (failure === undefined) {
      await store.settle(delivery.id, claimer, at, { delivered: true });
      return;
    }
    const next = nextAttemptAt(delivery.attempts + 1, at, delivery.createdAt, settings.retryForMs);
    logger.warn(next === null ? 'webhook given up' : 'webhook attempt failed', {
      webhookId: delivery.id,
      runId: delivery.runId,
      host: new URL(delivery.url).host,
      attempts: delivery.attempts + 1,
      error: failure,
    });
    await store.settle(delivery.id, claimer, at, { delivered: false, error: failure, nextAttemptAt: next });
  };

  const runRound = async (): Promise<void> => {
    const store = options.store();
    if (store === undefined || stop.signal.aborted) return;
    await store.enqueueEnded(now(), ENQUEUE_BATCH, runEndedPayload);
    const at = now();
    await store.enqueueApprovalRequests(at, ENQUEUE_BATCH, (background, approval) =>
      approvalRequestedPayload(background, approval, at, settings.inboxUrl),
    );
    const due = await store.claimDue(claimer, now(), settings.timeoutMs + CLAIM_SLACK_MS, CLAIM_BATCH);
    await Promise.all(
      due.map((delivery) => send(store, delivery).catch((error: unknown) => report(error, 'webhook'))),
    );
  };

  const round = (): Promise<void> => {
    current ??= runRound()
      .catch((error: unknown) => report(error, 'webhook round'))
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const schedule = (): void => {
    if (stop.signal.aborted) return;
    timer = setTimeout(() => {
      void round().finally(schedule);
    }, settings.pollIntervalMs);
    timer.unref();
  };

  return {
    start() {
      if (started || stop.signal.aborted) return;
      started = true;
      schedule();
    },
    round,
    async close() {
      stop.abort();
      clearTimeout(timer);
      await current;
    },
  };
}
