import { afterEach, describe, expect, it } from 'vitest';
import type { RecordingHttpServer } from '../__fixtures__/recording-http-server.js';
import { startRecordingHttpServer } from '../__fixtures__/recording-http-server.js';
import { sendTelegram } from './send-telegram.js';
import { sendWebhook } from './send-webhook.js';

const servers: RecordingHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const BOT_TOKEN = '123456789:AAH-secret-bot-token-abcdefghijklmnop';

const rejectionOf = async (work: Promise<unknown>): Promise<string> => {
  const thrown = await work.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
  return thrown instanceof Error ? thrown.message : String(thrown);
};

describe('delivery never leaks its credentials', () => {
  it('redacts a bot token that the Telegram API echoes in its error body', async () => {
    const server = await startRecordingHttpServer((request) => ({
      status: 404,
      body: { ok: false, description: `Not Found: ${request.path}` },
    }));
    servers.push(server);
    const message = await rejectionOf(
      sendTelegram({ botToken: BOT_TOKEN, chatId: 1, text: 'hi', apiBaseUrl: server.url }),
    );
    expect(message).toContain('HTTP 404');
    expect(message).not.toContain('AAH-secret-bot-token');
    expect(message).toContain('[redacted]');
  });

  it('redacts webhook header values and bearer tokens from an error excerpt', async () => {
    const server = await startRecordingHttpServer((request) => ({
      status: 401,
      body: {
        error: `bad credentials ${String(request.headers.authorization)} / ${String(request.headers['x-api-key'])}`,
      },
    }));
    servers.push(server);
    const message = await rejectionOf(
      sendWebhook({
        url: `${server.url}/hook`,
        payload: { ok: true },
        headers: { authorization: 'Bearer hook-secret-1', 'x-api-key': 'hook-secret-2' },
      }),
    );
    expect(message).toContain('HTTP 401');
    expect(message).not.toMatch(/hook-secret-1|hook-secret-2/);
  });

  it('does not follow a redirect, so the Authorization header never reaches another path', async () => {
    const server = await startRecordingHttpServer((request) =>
      request.path === '/hook'
        ? { status: 307, headers: { location: '/elsewhere' } }
        : { status: 200, body: { ok: true } },
    );
    servers.push(server);
    const message = await rejectionOf(
      sendWebhook({
        url: `${server.url}/hook`,
        payload: {},
        headers: { authorization: 'Bearer hook-secret' },
      }),
    );
    expect(message).toMatch(/redirect.*307.*not followed/i);
    expect(server.requests.map((request) => request.path)).toEqual(['/hook']);
  });
});
