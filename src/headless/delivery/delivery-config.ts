import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { callable, objectOf, parseSpec, type RenamedOptions } from '../../agent-spec/parse-spec.js';
import { renamedDeliveryOptions } from '../../agent-spec/renamed-options.js';
import type { RunOutput } from '../run-output.js';
import type { JsonObject } from '../state/json-object-file.js';
import { deliveryTimeoutMs } from './send-options.js';

const url = z
  .string()
  .refine((value) => value.trim() === '' || URL.canParse(value), { message: 'is not a URL' });

/** Telegram: used when both `botToken` and `chatId` are non-blank (unset environment variables allowed). */
const telegramDeliverySchema = z.strictObject({
  botToken: z.string().optional(),
  chatId: z.union([z.string(), z.number()], { error: 'must be a string or a number' }).optional(),
  /** First line of the default summary message (default "Autonomous run"). */
  label: z.string().optional(),
  /** Telegram Bot API origin; tests point it at a local server. */
  apiBaseUrl: url.default('https://api.telegram.org'),
  /** A text file (e.g. a briefing the agent wrote) sent after the summary, in chunks. */
  briefingFile: z.string().optional(),
});

/** A webhook: used when `url` is non-blank. */
const webhookDeliverySchema = z.strictObject({
  /** Receives a POST with `{ run_output, state, outcome, summary }` (snake_case, like the rest of the wire). */
  url: url.optional(),
  /** Extra headers of the request (e.g. an Authorization header). */
  headers: z.record(z.string(), z.string()).optional(),
});

/**
 * Where a headless run reports when it finishes. Every channel is optional and independent:
 * Telegram, a webhook, and a callback.
 */
export const deliverySchema = z.strictObject({
  /** Called last with the output and the saved state (null when no state was built). */
  onComplete: callable<(output: RunOutput, state: JsonObject | null) => void | Promise<void>>().optional(),
  telegram: telegramDeliverySchema.optional(),
  webhook: webhookDeliverySchema.optional(),
  /** Replaces the default summary (`formatRunSummary`) as the message sent and posted. */
  formatMessage: callable<(output: RunOutput, state: JsonObject | null) => string>().optional(),
  /** Timeout of each HTTP request in milliseconds. */
  timeoutMs: deliveryTimeoutMs(),
  /** Receives the non-fatal delivery failures (default: console). */
  logger: objectOf<Logger>('a Logger').optional(),
});

/** Where a headless run reports when it finishes (`headless.delivery`). */
export type DeliveryConfig = z.input<typeof deliverySchema>;

/** A checked delivery configuration, with its defaults. */
export type DeliverySettings = z.output<typeof deliverySchema>;

const RENAMED: RenamedOptions = new Map(renamedDeliveryOptions(''));

/**
 * Checks a delivery configuration with its schema before a run starts, so that a typo fails at
 * once instead of delivering nothing after a long run, and returns it with its defaults.
 * Delivery failures themselves stay non-fatal.
 */
export function parseDeliveryConfig(config: unknown): DeliverySettings {
  return parseSpec(deliverySchema, config, 'delivery', RENAMED);
}
