import { readFile } from 'node:fs/promises';
import { parseOptions } from '../../core/parse-options.js';
import {
  RENAMED_SEND_OPTIONS,
  sendTelegramFileOptionsSchema,
  sendTelegramOptionsSchema,
  type SendTelegramFileOptions,
  type SendTelegramOptions,
} from './send-options.js';
import { postJson } from '../../agent/post-json.js';
import { splitTelegramMessage } from './split-telegram-message.js';

export type { SendTelegramFileOptions, SendTelegramOptions, TelegramTarget } from './send-options.js';

/**
 * Sends one message with the Bot API's `sendMessage` (link previews off). Rejects on a non-2xx
 * answer, a network failure or the timeout; error messages never contain the bot token.
 */
export async function sendTelegram(telegramOptions: SendTelegramOptions): Promise<void> {
  const options = parseOptions(
    sendTelegramOptionsSchema,
    telegramOptions,
    'sendTelegram',
    RENAMED_SEND_OPTIONS,
  );
  const base = options.apiBaseUrl.replace(/\/+$/, '');
  await postJson({
    url: `${base}/bot${options.botToken}/sendMessage`,
    body: { chat_id: options.chatId, text: options.text, disable_web_page_preview: true },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    description: 'Telegram sendMessage',
    // The Bot API echoes the request path, token included, in some error bodies.
    secrets: [options.botToken],
  });
}

/**
 * Sends a text file as consecutive messages split on line boundaries (≤ 4096 characters each),
 * in order. A missing, unreadable or blank file sends nothing: a briefing the agent did not
 * write is not an error. Resolves with the number of messages sent.
 */
export async function sendTelegramFile(fileOptions: SendTelegramFileOptions): Promise<number> {
  const { path, ...target } = parseOptions(
    sendTelegramFileOptionsSchema,
    fileOptions,
    'sendTelegramFile',
    RENAMED_SEND_OPTIONS,
  );
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch {
    return 0;
  }
  if (content.trim() === '') return 0;
  const chunks = splitTelegramMessage(content);
  for (const text of chunks) await sendTelegram({ ...target, text });
  return chunks.length;
}
