import type { Logger } from '../../agent/logger.js';
import { GatewayError } from '../../core/errors.js';
import type { RunOutput } from '../run-output.js';
import type { JsonObject } from '../state/json-object-file.js';

/**
 * Where a headless run reports when it finishes. Every channel is optional and independent:
 * Telegram (when both token and chat id are non-blank), a webhook, and a callback.
 */
export interface DeliveryConfig {
  /** Called last with the output and the saved state (null when no state was built). */
  onComplete?: (output: RunOutput, state: JsonObject | null) => void | Promise<void>;
  telegramBotToken?: string | undefined;
  telegramChatId?: string | number | undefined;
  /** First line of the default summary message (default "Autonomous run"). */
  telegramLabel?: string | undefined;
  /** Telegram Bot API origin (default https://api.telegram.org); tests point it at a local server. */
  telegramApiBaseUrl?: string | undefined;
  /** A text file (e.g. a briefing the agent wrote) sent to Telegram after the summary, in chunks. */
  briefingFile?: string | undefined;
  /** Receives a POST with `{ run_output, state, outcome, summary }` (snake_case, as the original). */
  webhookUrl?: string | undefined;
  /** Extra headers of the webhook request (e.g. an Authorization header). */
  webhookHeaders?: Record<string, string> | undefined;
  /** Replaces the default summary (`formatRunSummary`) as the message sent and posted. */
  formatMessage?: (output: RunOutput, state: JsonObject | null) => string;
  /** Timeout of each HTTP request in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** Receives the non-fatal delivery failures (default: console). */
  logger?: Logger | undefined;
}

/** Default timeout of one delivery HTTP request. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

const KNOWN_KEYS = new Set([
  'onComplete',
  'telegramBotToken',
  'telegramChatId',
  'telegramLabel',
  'telegramApiBaseUrl',
  'briefingFile',
  'webhookUrl',
  'webhookHeaders',
  'formatMessage',
  'timeoutMs',
  'logger',
]);

const fail = (problem: string): never => {
  throw new GatewayError('invalid_option', `delivery: ${problem}`);
};

/**
 * Checks a delivery config before a run starts, so a typo fails up front instead of silently
 * delivering nothing after a long run. Delivery failures themselves stay non-fatal.
 */
export function validateDeliveryConfig(config: unknown): asserts config is DeliveryConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) fail('must be an object');
  const record = config as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown option \`${key}\``);
  }
  for (const key of ['onComplete', 'formatMessage'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'function') fail(`\`${key}\` must be a function`);
  }
  for (const key of [
    'telegramBotToken',
    'telegramLabel',
    'telegramApiBaseUrl',
    'briefingFile',
    'webhookUrl',
  ]) {
    if (record[key] !== undefined && typeof record[key] !== 'string') fail(`\`${key}\` must be a string`);
  }
  const chatId = record.telegramChatId;
  if (chatId !== undefined && typeof chatId !== 'string' && typeof chatId !== 'number') {
    fail('`telegramChatId` must be a string or a number');
  }
  for (const key of ['telegramApiBaseUrl', 'webhookUrl']) {
    const url = record[key];
    if (typeof url === 'string' && url.trim() !== '' && !URL.canParse(url)) fail(`\`${key}\` is not a URL`);
  }
  const headers = record.webhookHeaders;
  if (
    headers !== undefined &&
    (typeof headers !== 'object' ||
      headers === null ||
      Object.values(headers).some((value) => typeof value !== 'string'))
  ) {
    fail('`webhookHeaders` must be an object of strings');
  }
  const timeoutMs = record.timeoutMs;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    fail('`timeoutMs` must be a positive number of milliseconds');
  }
  const logger = record.logger;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null || !('warn' in logger))) {
    fail('`logger` must be a Logger');
  }
}
