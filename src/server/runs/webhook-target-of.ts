import { WEBHOOK_EVENTS, type WebhookEvent, type WebhookTarget } from '../../core/background-run-store.js';
import { HttpError } from '../../core/http-error.js';
import { checkOutboundUrl, OutboundUrlError } from '../../agent/outbound-url.js';
import type { WebhooksSettings } from '../contracts/webhooks-option.js';

const refuse = (detail: string, code: string): HttpError => new HttpError(422, { detail, code });

const isRunEvent = (event: string): event is WebhookEvent =>
  (WEBHOOK_EVENTS as readonly string[]).includes(event);

/** The run events of `server.webhooks.events` (a budget's event is the gateway's, never a run's). */
const runEventsOf = (events: WebhooksSettings['events']): WebhookEvent[] | undefined =>
  events?.filter(isRunEvent);

/**
 * Where a background run's notifications go (and which: `events`, the run's else the
 * server's): the run's own `webhook` (its URL checked as every URL the gateway POSTs to is,
 * by `checkOutboundUrl`: `https:`, no credentials, no loopback, private or reserved address in
 * it, unless its host is in `server.webhooks.allowedHosts`), else `server.webhooks.url`, else
 * nowhere. A run's webhook without a secret of its own needs `server.webhooks.secret`, and any
 * webhook needs the database's outbox (`canDeliver`); otherwise 422 with a stable code, and
 * nothing starts.
 */
export function webhookTargetOf(
  given: { url: string; secret?: string | undefined; events?: WebhookEvent[] | undefined } | undefined,
  settings: WebhooksSettings,
  canDeliver: boolean,
): WebhookTarget | undefined {
  const serverEvents = runEventsOf(settings.events);
  if (given === undefined) {
    return settings.url === undefined || !canDeliver
      ? undefined
      : { url: settings.url, ...(serverEvents === undefined ? {} : { events: serverEvents }) };
  }
  const events = given.events ?? serverEvents;
  if (!canDeliver) {
    throw refuse('Webhooks are delivered from the database: set server.database', 'webhook_needs_database');
  }
  let url: URL;
  try {
    url = checkOutboundUrl(given.url, settings.allowedHosts, {
      singular: 'webhook',
      plural: 'webhooks',
      allowedHostsOption: 'server.webhooks.allowedHosts',
    });
  } catch (error) {
    if (error instanceof OutboundUrlError) throw refuse(error.message, 'invalid_webhook_url');
    throw error;
  }
  if (given.secret === undefined && settings.secret === undefined) {
    throw refuse(
      'A webhook needs a secret to be signed with: give webhook.secret (whsec_...) or set server.webhooks.secret',
      'webhook_secret_missing',
    );
  }
  return {
    url: url.toString(),
    ...(given.secret === undefined ? {} : { secret: given.secret }),
    ...(events === undefined ? {} : { events }),
  };
}
