import { setMaxListeners } from 'node:events';
import { Webhook } from 'standardwebhooks';
import { NonPublicAddressError, type ResolveHost } from '../../agent/outbound-address.js';
import { postJson } from '../../agent/post-json.js';
import type {
  ApprovalWaitedOn,
  BackgroundRunRecord,
  BackgroundRunStore,
  WebhookDelivery,
} from '../../core/background-run-store.js';
import type { Logger } from '../../core/logger.js';
import type { JsonObject, RunRecordRow } from '../../core/thread-store.js';
import { runResultToWire, runToWire } from '../threads/thread-wire.js';
import { capOwnerKey } from '../../core/cap-owner.js';
import { createDeliveryLanes, targetOf, type DeliveryPlace } from './delivery-lanes.js';
import { createPoller } from './poller.js';
import { nextAttemptAt } from './webhook-retry-delay.js';
import type { WebhooksSettings } from '../contracts/webhooks-option.js';
import { approvalIdOf } from '../threads/inbox-entry.js';
import { inboxAddressOf } from '../contracts/inbox-address.js';
import { ChurnSet } from '../../core/churn-map.js';

/** Ended runs put in the outbox per round. */
const ENQUEUE_BATCH = 100;
/** Notifications claimed per statement; a round claims until the due ones or the places run out. */
const CLAIM_BATCH = 20;
/** Claim statements per round at most (a backlog of busy targets is walked over several rounds). */
const CLAIMS_PER_ROUND = 50;
/** Deliveries in flight to one target (`host:port`) at once. */
const PER_TARGET = 8;
/** Deliveries in flight on one instance at once. */
const IN_FLIGHT = 64;
/**
 * Deliveries of one owner in flight on one instance at once, however many hosts they go to: a
 * quarter of the instance, so that one owner with many receivers leaves the rest to the others.
 */
const PER_OWNER = IN_FLIGHT / 4;
/** A claim outlasts the attempt's timeout by this much, so that only a dead claimer's lapses. */
const CLAIM_SLACK_MS = 1_000;

/**
 * The lanes of a notification: its receiver's host and its run's owner (a notification whose
 * run's record is gone is its own owner: nobody's share is charged for it).
 */
const placeOf = (delivery: WebhookDelivery): DeliveryPlace => ({
  target: targetOf(delivery.url),
  owner: delivery.owner === undefined ? `run ${delivery.runId}` : capOwnerKey(delivery.owner),
});

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
  /** Resolves receivers' host names (default: the system's resolver); tests answer with their own. */
  resolve?: ResolveHost;
}

/** The instance's part of webhook delivery: started once the database is open, closed with the app. */
export interface WebhookSender {
  /** Starts the rounds (idempotent). */
  start(): void;
  /**
   * One round now: ended runs into the outbox, then due notifications claimed and sent, each in
   * its target's lane; resolves once they are started (not delivered: see `idle`).
   */
  round(): Promise<void>;
  /** Resolves once no notification is in flight on this instance. */
  idle(): Promise<void>;
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
        ...runResultToWire(background),
        schedule_id: background.scheduleId ?? null,
      },
    }),
  ) as JsonObject;

/**
 * The body of an approval's notification: `run.approval_requested` (or `run.approval_expired`
 * once it expired without an answer), naming the run, its thread,
 * the tool and the tool call, its `approval_id`, when it was requested and when it expires, and
 * `inbox_url` (where a person answers it).
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
      type: approval.event,
      timestamp: new Date(now).toISOString(),
      data: {
        run_id: background.runId,
        thread_id: background.threadId,
        tool_name: approval.toolName,
        tool_call_id: approval.toolCallId,
        approval_id: approvalId,
        requested_at: new Date(approval.requestedAt).toISOString(),
        expires_at: new Date(approval.expiresAt).toISOString(),
        inbox_url: inboxAddressOf(inboxUrl, approvalId),
        metadata: background.metadata,
        schedule_id: background.scheduleId ?? null,
      },
    }),
  ) as JsonObject;
};

/** The secrets a notification is signed with: a run's own, or each of `server.webhooks.secret`. */
const signingSecretsOf = (secret: string | readonly string[] | undefined): readonly string[] =>
  secret === undefined ? [] : typeof secret === 'string' ? [secret] : secret;

/**
 * Delivers the webhooks of background runs from the database's outbox. Every round, on every
 * instance, it puts the end of each ended run with a webhook into the outbox (once per run,
 * whoever sees it first), and each approval a run asked for when its webhook asked for
 * `run.approval_requested` (once per tool call, as soon as it is listed in the inbox), and claims the notifications that are due
 * (each by one instance at a time), then POSTs each as a Standard Webhooks request
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`, the same id on every attempt) with the push-notification rules: no
 * redirect followed, a host that resolves to a non-public address refused unless allowed (on
 * the connection itself: the address connected to is the one checked), at most a few KB of the
 * answer read, secrets kept out of errors and logs (which name the host, never the URL). A
 * failed attempt is retried with backoff until `retryForMs`; a claimer that dies leaves a
 * claim that lapses.
 *
 * Deliveries never wait for each other: each target (`host:port`) has a lane of at most
 * `PER_TARGET` deliveries in flight, each owner (key or user) one of `PER_OWNER` whatever hosts
 * its receivers are on, the instance at most `IN_FLIGHT`, and a round does not
 * wait for the deliveries it starts. A notification claimed while its target's lane or its
 * owner's is full is put back, due again a poll later, so that a receiver that answers slowly or
 * never, or an owner with many receivers, holds up
 * only its own notifications.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { settings, claimer, logger, report } = options;
  const now = options.now ?? Date.now;
  const stop = new AbortController();
  // Each attempt in flight links its own controller to this one (an abort listener): up to
  // IN_FLIGHT at once. Above Node's default of 10 it warned of a leak that is not one.
  setMaxListeners(IN_FLIGHT * 2, stop.signal);
  const lanes = createDeliveryLanes({ perTarget: PER_TARGET, perOwner: PER_OWNER, total: IN_FLIGHT });
  const inFlight = new ChurnSet<Promise<void>>();

  const attempt = async (delivery: WebhookDelivery): Promise<string | undefined> => {
    const secrets = signingSecretsOf(delivery.secret ?? settings.secret);
    if (secrets.length === 0) return 'no secret to sign with (server.webhooks.secret is not set)';
    const url = new URL(delivery.url);
    const body = JSON.stringify(delivery.payload);
    const sentAt = new Date(now());
    // One signature per secret, space-separated: a receiver checks each against its own secret.
    const signature = secrets.map((secret) => new Webhook(secret).sign(delivery.id, sentAt, body)).join(' ');
    await postJson({
      url: delivery.url,
      body: delivery.payload,
      headers: {
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      },
      timeoutMs: settings.timeoutMs,
      connectTimeoutMs: settings.connectTimeoutMs,
      signal: stop.signal,
      description: `webhook ${delivery.id}`,
      secrets: [...secrets, url.search],
      addressPolicy: { allowedHosts: settings.allowedHosts, resolve: options.resolve },
    });
    return undefined;
  };

  const send = async (store: BackgroundRunStore, delivery: WebhookDelivery): Promise<void> => {
    let failure: string | undefined;
    try {
      failure = await attempt(delivery);
    } catch (error) {
      if (stop.signal.aborted) return;
      failure =
        error instanceof NonPublicAddressError
          ? 'its host resolves to a non-public address (server.webhooks.allowedHosts allows one)'
          : error instanceof Error
            ? error.message
            : String(error);
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
    await claimIntoLanes(store);
  };

  /** Sends `delivery` in the place its lanes gave it, and gives the place back. */
  const startSending = (store: BackgroundRunStore, delivery: WebhookDelivery, place: DeliveryPlace): void => {
    const ticket = inFlight.add(
      send(store, delivery)
        .catch((error: unknown) => report(error, 'webhook'))
        .finally(() => {
          lanes.leave(place);
          inFlight.delete(ticket);
        }),
    );
  };

  /**
   * Claims due notifications while places are free and starts each whose lane has room; puts
   * back the others, due a poll later, and claims on past them, so that a busy target's
   * backlog never stands in front of another target's notification.
   */
  const claimIntoLanes = async (store: BackgroundRunStore): Promise<void> => {
    for (let claims = 0; claims < CLAIMS_PER_ROUND && !stop.signal.aborted; claims += 1) {
      const limit = Math.min(CLAIM_BATCH, lanes.free());
      if (limit === 0) return;
      const due = await store.claimDue(claimer, now(), settings.timeoutMs + CLAIM_SLACK_MS, limit);
      const busy: string[] = [];
      for (const delivery of due) {
        const place = placeOf(delivery);
        if (lanes.enter(place)) startSending(store, delivery, place);
        else busy.push(delivery.id);
      }
      if (busy.length > 0) await store.release(busy, claimer, now() + settings.pollIntervalMs);
      if (due.length < limit) return;
    }
  };

  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all(inFlight);
  };

  const poller = createPoller({
    name: 'webhook round',
    tick: runRound,
    report,
    intervalMs: settings.pollIntervalMs,
  });

  return {
    start: () => poller.start(),
    round: async () => {
      await poller.tickNow();
    },
    idle,
    async close() {
      stop.abort();
      await poller.close();
      await idle();
    },
  };
}
