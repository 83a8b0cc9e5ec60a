import { postJson } from '../../agent/post-json.js';
import { parseOptions } from '../../core/parse-options.js';
import { RENAMED_SEND_OPTIONS, sendWebhookOptionsSchema, type SendWebhookOptions } from './send-options.js';

export type { SendWebhookOptions } from './send-options.js';

/** POSTs a JSON payload to a webhook; rejects on a non-2xx answer, a network failure or the timeout. */
export async function sendWebhook(webhookOptions: SendWebhookOptions): Promise<void> {
  const options = parseOptions(sendWebhookOptionsSchema, webhookOptions, 'sendWebhook', RENAMED_SEND_OPTIONS);
  await postJson({
    url: options.url,
    body: options.payload,
    headers: options.headers,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    description: 'Webhook',
  });
}
