import { describe, expect, it } from 'vitest';
import { runOutputFixture } from '../__fixtures__/run-output-fixture.js';
import { formatRunSummary } from '../format-run-summary.js';
import { sendTelegram, sendTelegramFile } from './send-telegram.js';
import { sendWebhook } from './send-webhook.js';

describe('delivery functions check their options like the entry points', () => {
  it('names a duration in seconds with its replacement, before any request', async () => {
    await expect(
      sendWebhook({ url: 'http://127.0.0.1:9/hook', payload: {}, timeoutSeconds: 5 } as never),
    ).rejects.toMatchObject({
      code: 'invalid_option',
      message: "sendWebhook: option 'timeoutSeconds' was replaced: use 'timeoutMs' (milliseconds)",
    });
  });

  it('lists every problem of a Telegram call at once', async () => {
    await expect(sendTelegram({ botToken: ' ', chatId: 42, message: 'hi' } as never)).rejects.toThrow(
      "sendTelegram: botToken: must be a bot token; text: Invalid input: expected string, received undefined; unknown option 'message'",
    );
    await expect(sendTelegramFile({ botToken: 't', chatId: 42 } as never)).rejects.toThrow(
      /^sendTelegramFile: path: /,
    );
  });

  it('suggests the closest name for a misspelt summary option', () => {
    expect(() => formatRunSummary(runOutputFixture(), { lable: 'Nightly' } as never)).toThrow(
      "formatRunSummary: unknown option 'lable' — did you mean 'label'?",
    );
  });
});
