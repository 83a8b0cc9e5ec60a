import { DEFAULT_DELIVERY_TIMEOUT_MS } from './delivery-config.js';
import { postJson } from './post-json.js';
import { parseOptions } from '../../core/parse-options.js';
import { RENAMED_SEND_OPTIONS, sendWebhookOptionsSchema } from './send-options.js';

/** Options of `sendWebhook`. */
export interface SendWebhookOptions {
  url: string;
  /** Sent as JSON. */
  payload: unknown;
  headers?: Record<string, string> | undefined;
  /** Default 10 000 ms. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** POSTs a JSON payload to a webhook; rejects on a non-2xx answer, a network failure or the timeout. */
export async function sendWebhook(webhookOptions: SendWebhookOptions): Promise<void> {
  const options = parseOptions(sendWebhookOptionsSchema, webhookOptions, 'sendWebhook', RENAMED_SEND_OPTIONS);
  await postJson({
    url: options.url,
    body: options.payload,
    headers: options.headers,
    timeoutMs: options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    signal: options.signal,
    description: 'Webhook',
  });
}
