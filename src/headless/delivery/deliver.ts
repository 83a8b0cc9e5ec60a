import { consoleWarningLogger } from '../../core/logger.js';
import { formatRunSummary } from '../format-run-summary.js';
import type { RunOutput } from '../run-output.js';
import { runOutputOutcome, toRunOutputJson } from '../run-output.js';
import type { JsonObject } from '../state/json-object-file.js';
import type { DeliveryConfig } from './delivery-config.js';
import { validateDeliveryConfig } from './delivery-config.js';
import { sendTelegram, sendTelegramFile } from './send-telegram.js';
import { sendWebhook } from './send-webhook.js';

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Delivers a finished run: builds the message (`formatMessage`, else `formatRunSummary` with
 * `telegramLabel`), then, independently and in this order, sends it to Telegram (followed by
 * the briefing file, in chunks) when both bot token and chat id are non-blank, POSTs the
 * webhook, and awaits `onComplete`.
 *
 * Delivery is best effort by design: the run already happened and its state is saved, so each
 * channel's failure is logged as "… delivery failed (non-fatal)" and the next channel still
 * runs. Only an invalid config throws (before anything is sent).
 */
export async function deliver(
  config: DeliveryConfig,
  output: RunOutput,
  state: JsonObject | null = null,
  signal?: AbortSignal,
): Promise<void> {
  validateDeliveryConfig(config);
  const logger = config.logger ?? consoleWarningLogger;
  const defaultMessage = (): string => formatRunSummary(output, { label: config.telegramLabel, state });
  let message: string;
  try {
    message =
      config.formatMessage === undefined ? defaultMessage() : String(config.formatMessage(output, state));
  } catch (error) {
    logger.warn(`Message formatting failed (non-fatal), using the default summary: ${describeError(error)}`);
    message = defaultMessage();
  }

  const botToken = (config.telegramBotToken ?? '').trim();
  const chatId = String(config.telegramChatId ?? '').trim();
  if (botToken !== '' && chatId !== '') {
    const target = {
      botToken,
      chatId,
      apiBaseUrl: config.telegramApiBaseUrl,
      timeoutMs: config.timeoutMs,
      signal,
    };
    try {
      await sendTelegram({ ...target, text: message });
      if (config.briefingFile !== undefined && config.briefingFile !== '') {
        await sendTelegramFile({ ...target, path: config.briefingFile });
      }
    } catch (error) {
      logger.warn(`Telegram delivery failed (non-fatal): ${describeError(error)}`);
    }
  }

  if (config.webhookUrl !== undefined && config.webhookUrl.trim() !== '') {
    try {
      await sendWebhook({
        url: config.webhookUrl,
        payload: {
          run_output: toRunOutputJson(output),
          state: state ?? {},
          outcome: runOutputOutcome(output),
          summary: message,
        },
        headers: config.webhookHeaders,
        timeoutMs: config.timeoutMs,
        signal,
      });
    } catch (error) {
      logger.warn(`Webhook delivery failed (non-fatal): ${describeError(error)}`);
    }
  }

  if (config.onComplete !== undefined) {
    try {
      await config.onComplete(output, state);
    } catch (error) {
      logger.warn(`Completion callback failed (non-fatal): ${describeError(error)}`);
    }
  }
}
