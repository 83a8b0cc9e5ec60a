import { consoleWarningLogger } from '../../core/logger.js';
import { formatRunSummary } from '../format-run-summary.js';
import type { RunOutput } from '../run-output.js';
import { runOutputOutcome, toRunOutputJson } from '../run-output.js';
import type { JsonObject } from '../state/json-object-file.js';
import { parseDeliveryConfig, type DeliveryConfig } from './delivery-config.js';
import { sendTelegram, sendTelegramFile } from './send-telegram.js';
import { sendWebhook } from './send-webhook.js';

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Delivers a finished run: builds the message (`formatMessage`, else `formatRunSummary` with
 * `telegram.label`), then, independently and in this order, sends it to Telegram (followed by
 * the briefing file, in chunks) when both bot token and chat id are non-blank, POSTs the
 * webhook when its url is non-blank, and awaits `onComplete`.
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
  const settings = parseDeliveryConfig(config);
  const { telegram, webhook } = settings;
  const logger = settings.logger ?? consoleWarningLogger;
  const defaultMessage = (): string => formatRunSummary(output, { label: telegram?.label, state });
  let message: string;
  try {
    message =
      settings.formatMessage === undefined ? defaultMessage() : String(settings.formatMessage(output, state));
  } catch (error) {
    logger.warn(`Message formatting failed (non-fatal), using the default summary: ${describeError(error)}`);
    message = defaultMessage();
  }

  const botToken = (telegram?.botToken ?? '').trim();
  const chatId = String(telegram?.chatId ?? '').trim();
  if (telegram !== undefined && botToken !== '' && chatId !== '') {
    const target = {
      botToken,
      chatId,
      apiBaseUrl: telegram.apiBaseUrl,
      timeoutMs: settings.timeoutMs,
      signal,
    };
    try {
      await sendTelegram({ ...target, text: message });
      if (telegram.briefingFile !== undefined && telegram.briefingFile !== '') {
        await sendTelegramFile({ ...target, path: telegram.briefingFile });
      }
    } catch (error) {
      logger.warn(`Telegram delivery failed (non-fatal): ${describeError(error)}`);
    }
  }

  if (webhook?.url !== undefined && webhook.url.trim() !== '') {
    try {
      await sendWebhook({
        url: webhook.url,
        payload: {
          run_output: toRunOutputJson(output),
          state: state ?? {},
          outcome: runOutputOutcome(output),
          summary: message,
        },
        headers: webhook.headers,
        timeoutMs: settings.timeoutMs,
        signal,
      });
    } catch (error) {
      logger.warn(`Webhook delivery failed (non-fatal): ${describeError(error)}`);
    }
  }

  if (settings.onComplete !== undefined) {
    try {
      await settings.onComplete(output, state);
    } catch (error) {
      logger.warn(`Completion callback failed (non-fatal): ${describeError(error)}`);
    }
  }
}
