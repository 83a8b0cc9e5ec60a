import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { callable, objectOf, parseSpec, positiveNumber } from '../../spec/parse-spec.js';
import type { RunOutput } from '../run-output.js';
import type { JsonObject } from '../state/json-object-file.js';

const url = z
  .string()
  .refine((value) => value.trim() === '' || URL.canParse(value), { message: 'is not a URL' });

/**
 * Where a headless run reports when it finishes. Every channel is optional and independent:
 * Telegram (when both token and chat id are non-blank), a webhook, and a callback.
 */
export const deliverySchema = z.strictObject({
  /** Called last with the output and the saved state (null when no state was built). */
  onComplete: callable<(output: RunOutput, state: JsonObject | null) => void | Promise<void>>().optional(),
  telegramBotToken: z.string().optional(),
  telegramChatId: z.union([z.string(), z.number()], { error: 'must be a string or a number' }).optional(),
  /** First line of the default summary message (default "Autonomous run"). */
  telegramLabel: z.string().optional(),
  /** Telegram Bot API origin (default https://api.telegram.org); tests point it at a local server. */
  telegramApiBaseUrl: url.optional(),
  /** A text file (e.g. a briefing the agent wrote) sent to Telegram after the summary, in chunks. */
  briefingFile: z.string().optional(),
  /** Receives a POST with `{ run_output, state, outcome, summary }` (snake_case, like the rest of the wire). */
  webhookUrl: url.optional(),
  /** Extra headers of the webhook request (e.g. an Authorization header). */
  webhookHeaders: z.record(z.string(), z.string()).optional(),
  /** Replaces the default summary (`formatRunSummary`) as the message sent and posted. */
  formatMessage: callable<(output: RunOutput, state: JsonObject | null) => string>().optional(),
  /** Timeout of each HTTP request in milliseconds (default 10 000). */
  timeoutMs: positiveNumber().optional(),
  /** Receives the non-fatal delivery failures (default: console). */
  logger: objectOf<Logger>('a Logger').optional(),
});

/** Where a headless run reports when it finishes (`headless.delivery`). */
export type DeliveryConfig = z.input<typeof deliverySchema>;

/** Default timeout of one delivery HTTP request. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Checks a delivery configuration with its schema before a run starts, so that a typo fails at
 * once instead of delivering nothing after a long run. Delivery failures themselves stay
 * non-fatal.
 */
export function validateDeliveryConfig(config: unknown): asserts config is DeliveryConfig {
  parseSpec(deliverySchema, config, 'delivery');
}
