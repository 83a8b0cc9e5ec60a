import { z } from 'zod';
import { nonBlankString, positiveNumber, type RenamedOptions } from '../../core/parse-options.js';

/** A duration of the delivery functions in seconds, as a caller of an older API might pass it. */
export const RENAMED_SEND_OPTIONS: RenamedOptions = new Map([
  ['timeoutSeconds', "use 'timeoutMs' (milliseconds)"],
  ['timeout', "use 'timeoutMs' (milliseconds)"],
]);

const signal = z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional();

/** Timeout of one delivery HTTP request in milliseconds (default 10 000). */
export const deliveryTimeoutMs = () => positiveNumber().default(10_000);

/** `sendWebhook`'s options, checked like every entry point's. */
export const sendWebhookOptionsSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
  payload: z.unknown(),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: deliveryTimeoutMs(),
  signal,
});

/** Options of `sendWebhook`: the JSON `payload` POSTed to `url`. */
export type SendWebhookOptions = z.input<typeof sendWebhookOptionsSchema>;

const telegramTargetShape = {
  botToken: nonBlankString('a bot token'),
  chatId: z.union([z.string().min(1), z.number()], { error: 'must be a chat id (a string or a number)' }),
  /** Bot API origin; tests point it at a local server. */
  apiBaseUrl: z
    .string()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .default('https://api.telegram.org'),
  timeoutMs: deliveryTimeoutMs(),
  signal,
};

/** Which bot and chat a Telegram message goes to. */
export type TelegramTarget = z.input<z.ZodObject<typeof telegramTargetShape>>;

/** `sendTelegram`'s options. */
export const sendTelegramOptionsSchema = z.strictObject({
  ...telegramTargetShape,
  /** The message (at most 4096 characters; use `splitTelegramMessage` for more). */
  text: z.string(),
});

/** Options of `sendTelegram`. */
export type SendTelegramOptions = z.input<typeof sendTelegramOptionsSchema>;

/** `sendTelegramFile`'s options. */
export const sendTelegramFileOptionsSchema = z.strictObject({
  ...telegramTargetShape,
  /** A UTF-8 text file. */
  path: z.string().min(1),
});

/** Options of `sendTelegramFile`. */
export type SendTelegramFileOptions = z.input<typeof sendTelegramFileOptionsSchema>;
