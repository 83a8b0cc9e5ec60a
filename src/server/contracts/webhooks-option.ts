import { z } from 'zod';
import { positiveNumber } from '../../agent-spec/parse-spec.js';
import { WEBHOOK_EVENTS } from '../../core/background-run-store.js';

/** The events a webhook asks for (`run.ended`, `run.approval_requested`), at least one. */
export const webhookEventsSchema = z.array(z.enum(WEBHOOK_EVENTS)).min(1);

/** The event a budget's `softAtPercent` sends: once per budget and window, to `server.webhooks.url`. */
export const BUDGET_THRESHOLD_EVENT = 'budget.threshold_reached';

/** The events `server.webhooks.events` may list: the runs' ones and the gateway's own (budgets). */
const serverWebhookEventsSchema = z.array(z.enum([...WEBHOOK_EVENTS, BUDGET_THRESHOLD_EVENT])).min(1);

/** A host a webhook URL may name though it resolves to a private address (`host` or `host:port`). */
const hostPattern = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** A Standard Webhooks secret: `whsec_` and base64 of at least 24 bytes. */
export const webhookSecretSchema = z
  .string()
  .regex(
    /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/,
    'must be a Standard Webhooks secret: whsec_ and base64 of 24+ bytes',
  );

/**
 * `server.webhooks`: how the ends of background runs (`POST /runs`, schedule fires) are
 * POSTed as Standard Webhooks requests, from the database's outbox (needs `server.database`).
 * A run's own `webhook` wins over `url`; `secret` signs every notification whose run gave none.
 */
export const webhooksOptionSchema = z
  .strictObject({
    /** Where every background run's end goes unless the run names its own `webhook.url`. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * The events of every webhook that names none (default: only `run.ended`); add
     * `run.approval_requested` to be told of each approval a run is suspended on. The
     * `budget.threshold_reached` notices go to `url` when the list is left out or names them.
     */
    events: serverWebhookEventsSchema.optional(),
    /**
     * Signs notifications whose run gave no secret (`whsec_...`). A list rotates it: every
     * notification carries one signature per secret (`v1,<first> v1,<second>`, as Standard
     * Webhooks allows), so a receiver holding either secret verifies it while both are listed.
     */
    secret: z.union([webhookSecretSchema, z.array(webhookSecretSchema).min(1)]).optional(),
    /**
     * Hosts a webhook may go to over `http:` or though they resolve to a loopback, private or
     * link-local address (e.g. `127.0.0.1:9000`); other URLs must be `https:` and public.
     * Listing a host allows both: `http:` and any address it resolves to.
     */
    allowedHosts: z.array(z.string().regex(hostPattern, 'must be a host or host:port')).default([]),
    /**
     * The approvals inbox page as people reach it (`https://agents.example.com/inbox`):
     * `run.approval_requested` links to the approval there (`inbox_url`). Without it the link
     * is the page's path on the gateway (`/inbox?approval=...`).
     */
    inboxUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Gives up on one attempt after this many ms (10 000). */
    timeoutMs: positiveNumber().default(10_000),
    /** Gives up on one attempt that has no connection after this many ms (3 000). */
    connectTimeoutMs: positiveNumber().default(3_000),
    /** Retries a notification with backoff for this long after the run ended, in ms (one day). */
    retryForMs: positiveNumber().default(86_400_000),
    /** How often each instance looks for ended runs and due notifications, in ms (1 000). */
    pollIntervalMs: positiveNumber().default(1_000),
  })
  .refine((settings) => settings.url === undefined || settings.secret !== undefined, {
    message: 'server.webhooks.url needs server.webhooks.secret to sign the notifications',
    path: ['secret'],
  });

/** `server.webhooks` as written. */
export type WebhooksOption = z.input<typeof webhooksOptionSchema>;
/** `server.webhooks` with its defaults. */
export type WebhooksSettings = z.output<typeof webhooksOptionSchema>;

/** The settings when `server.webhooks` is left out: per-run webhooks only, public `https:` targets. */
export const defaultWebhooksSettings: WebhooksSettings = webhooksOptionSchema.parse({});
