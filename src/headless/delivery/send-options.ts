import { z } from 'zod';
import { nonBlankString, positiveNumber, type RenamedOptions } from '../../core/parse-options.js';

/** A duration of the delivery functions in seconds, as a caller of an older API might pass it. */
export const RENAMED_SEND_OPTIONS: RenamedOptions = new Map([
  ['timeoutSeconds', "use 'timeoutMs' (milliseconds)"],
  ['timeout', "use 'timeoutMs' (milliseconds)"],
]);

const signal = z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional();

/** `sendWebhook`'s options, checked like every entry point's. */
export const sendWebhookOptionsSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
  payload: z.unknown(),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: positiveNumber().optional(),
  signal,
});

const telegramTargetShape = {
  botToken: nonBlankString('a bot token'),
  chatId: z.union([z.string().min(1), z.number()], { error: 'must be a chat id (a string or a number)' }),
  apiBaseUrl: z
    .string()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .optional(),
  timeoutMs: positiveNumber().optional(),
  signal,
};

/** `sendTelegram`'s options. */
export const sendTelegramOptionsSchema = z.strictObject({ ...telegramTargetShape, text: z.string() });

/** `sendTelegramFile`'s options. */
export const sendTelegramFileOptionsSchema = z.strictObject({
  ...telegramTargetShape,
  path: z.string().min(1),
});
