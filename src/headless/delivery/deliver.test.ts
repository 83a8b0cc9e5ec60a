import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { recordingLogger } from '../__fixtures__/recording-logger.js';
import { runOutputFixture } from '../__fixtures__/run-output-fixture.js';
import type { RecordingHttpServer } from '../__fixtures__/recording-http-server.js';
import { startRecordingHttpServer } from '../__fixtures__/recording-http-server.js';
import { formatRunSummary } from '../format-run-summary.js';
import type { RunOutput } from '../run-output.js';
import { deliver } from './deliver.js';

let server: RecordingHttpServer | undefined;
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'deliver-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(directory, { recursive: true, force: true });
});

const telegramTexts = (recording: RecordingHttpServer): string[] =>
  recording.requests.map((request) => (request.body as { text: string }).text);

describe('deliver to Telegram', () => {
  it('sends the summary with sendMessage, then the briefing file in line-boundary chunks', async () => {
    server = await startRecordingHttpServer();
    const lines = Array.from({ length: 200 }, (_, index) => `${index}: ${'b'.repeat(50)}`);
    const briefing = `${lines.join('\n')}\n`;
    const briefingFile = join(directory, 'briefing.md');
    await writeFile(briefingFile, briefing);
    const output = runOutputFixture();

    await deliver(
      {
        logger: silentLogger,
        telegram: {
          botToken: ' 123:abc ',
          chatId: '42',
          label: 'Daily',
          apiBaseUrl: server.url,
          briefingFile,
        },
      },
      output,
      { briefing_file: briefingFile },
    );

    const texts = telegramTexts(server);
    expect(server.requests.every((request) => request.path === '/bot123:abc/sendMessage')).toBe(true);
    expect(server.requests[0]?.body).toEqual({
      chat_id: '42',
      text: formatRunSummary(output, { label: 'Daily', state: { briefing_file: briefingFile } }),
      disable_web_page_preview: true,
    });
    const chunks = texts.slice(1);
    expect(chunks).toHaveLength(3);
    expect(chunks.join('')).toBe(briefing);
    expect(chunks.every((chunk) => chunk.length <= 4096 && chunk.endsWith('\n'))).toBe(true);
  });

  it('skips a missing or blank briefing file without a warning', async () => {
    server = await startRecordingHttpServer();
    const blank = join(directory, 'blank.md');
    await writeFile(blank, ' \n\n ');
    const logger = recordingLogger();
    for (const briefingFile of [blank, join(directory, 'missing.md')]) {
      await deliver(
        {
          logger,
          telegram: { botToken: 't', chatId: 1, apiBaseUrl: server.url, briefingFile },
        },
        runOutputFixture(),
      );
    }
    expect(server.requests).toHaveLength(2);
    expect(logger.warnings).toEqual([]);
  });

  it('does nothing on Telegram when the token or the chat id is blank', async () => {
    server = await startRecordingHttpServer();
    await deliver({ telegram: { botToken: '  ', chatId: '42', apiBaseUrl: server.url } }, runOutputFixture());
    await deliver({ telegram: { botToken: 't', chatId: '', apiBaseUrl: server.url } }, runOutputFixture());
    expect(server.requests).toEqual([]);
  });

  it('logs a non-2xx answer as a non-fatal failure without the bot token and still runs the other channels', async () => {
    server = await startRecordingHttpServer((request) =>
      request.path.includes('/sendMessage')
        ? { status: 401, body: { ok: false, description: 'Unauthorized' } }
        : { status: 200 },
    );
    const logger = recordingLogger();
    const completed: RunOutput[] = [];
    await deliver(
      {
        onComplete: (output) => void completed.push(output),
        logger,
        telegram: {
          botToken: 'secret-token',
          chatId: '42',
          apiBaseUrl: server.url,
          briefingFile: join(directory, 'never-sent.md'),
        },
        webhook: { url: `${server.url}/hook` },
      },
      runOutputFixture(),
    );
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/^Telegram delivery failed \(non-fatal\): .*HTTP 401.*Unauthorized/);
    expect(logger.warnings[0]).not.toContain('secret-token');
    expect(server.requests.map((request) => request.path)).toEqual(['/botsecret-token/sendMessage', '/hook']);
    expect(completed).toHaveLength(1);
  });

  it('gives up after timeoutMs on a server that never answers', async () => {
    server = await startRecordingHttpServer(() => 'hang');
    const logger = recordingLogger();
    await deliver(
      { timeoutMs: 50, logger, telegram: { botToken: 't', chatId: '1', apiBaseUrl: server.url } },
      runOutputFixture(),
    );
    expect(logger.warnings).toEqual([
      expect.stringMatching(/^Telegram delivery failed \(non-fatal\): .*timed out/),
    ]);
  });
});

describe('deliver to a webhook and a callback', () => {
  it('posts the snake_case run output, the state, the outcome and the summary', async () => {
    server = await startRecordingHttpServer();
    const output = runOutputFixture({ toolsUsed: ['read_status'], maxTurnsReached: true });
    const state = { last_summary: 'x' };
    await deliver(
      {
        telegram: { label: 'Job' },
        webhook: { url: `${server.url}/hook`, headers: { authorization: 'Bearer w' } },
      },
      output,
      state,
    );
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers.authorization).toBe('Bearer w');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      run_output: {
        response: 'All good.',
        tools_used: ['read_status'],
        usage: { input_tokens: 100, output_tokens: 20, estimated_cost: 0.0006 },
        error: null,
        timed_out: false,
        budget_exceeded: false,
        max_turns_reached: true,
      },
      state,
      outcome: 'max_turns',
      summary: formatRunSummary(output, { label: 'Job', state }),
    });
  });

  it('delivers a RunOutput built by hand, without compactions', async () => {
    server = await startRecordingHttpServer();
    const output: RunOutput = {
      response: 'Checked.',
      toolsUsed: [],
      usage: {},
      error: null,
      timedOut: false,
      budgetExceeded: false,
      maxTurnsReached: false,
    };
    await deliver({ webhook: { url: `${server.url}/hook` } }, output, {});
    expect(server.requests[0]?.body).toMatchObject({
      run_output: { response: 'Checked.', tools_used: [], error: null },
      outcome: 'success',
    });
    expect(JSON.stringify(server.requests[0]?.body)).not.toContain('compactions');
  });

  it('posts {} as the state when there is none and uses formatMessage for the summary', async () => {
    server = await startRecordingHttpServer();
    await deliver(
      { formatMessage: (output) => `custom: ${output.response}`, webhook: { url: server.url } },
      runOutputFixture(),
    );
    expect(server.requests[0]?.body).toMatchObject({
      state: {},
      outcome: 'success',
      summary: 'custom: All good.',
    });
  });

  it('awaits onComplete with the output and the state', async () => {
    const calls: unknown[] = [];
    const output = runOutputFixture();
    await deliver(
      {
        onComplete: async (received, state) => {
          await Promise.resolve();
          calls.push([received, state]);
        },
      },
      output,
      { a: 1 },
    );
    expect(calls).toEqual([[output, { a: 1 }]]);
  });

  it('logs failing webhooks, rejecting callbacks and throwing formatters without throwing', async () => {
    server = await startRecordingHttpServer(() => ({ status: 500, body: { detail: 'down' } }));
    const logger = recordingLogger();
    await expect(
      deliver(
        {
          formatMessage: () => {
            throw new Error('bad template');
          },
          onComplete: () => Promise.reject(new Error('callback broke')),
          logger,
          webhook: { url: server.url },
        },
        runOutputFixture(),
      ),
    ).resolves.toBeUndefined();
    expect(logger.warnings).toEqual([
      'Message formatting failed (non-fatal), using the default summary: bad template',
      expect.stringMatching(/^Webhook delivery failed \(non-fatal\): Webhook answered HTTP 500/),
      'Completion callback failed (non-fatal): callback broke',
    ]);
    expect((server.requests[0]?.body as { summary: string }).summary).toBe(
      formatRunSummary(runOutputFixture()),
    );
  });

  it('logs an unreachable webhook as non-fatal', async () => {
    const unreachable = await startRecordingHttpServer();
    await unreachable.close();
    const logger = recordingLogger();
    await deliver({ logger, webhook: { url: unreachable.url } }, runOutputFixture());
    expect(logger.warnings).toEqual([expect.stringMatching(/^Webhook delivery failed \(non-fatal\)/)]);
  });

  it('rejects an invalid config before sending anything', async () => {
    await expect(deliver({ webhook: { url: 'not a url' } }, runOutputFixture())).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(deliver({ telegram: { botTokn: 'typo' } } as never, runOutputFixture())).rejects.toThrow(
      /unknown option 'telegram.botTokn' — did you mean 'telegram.botToken'\?/,
    );
  });

  it('names the group of a flat option of 0.1.0', async () => {
    const server = await startRecordingHttpServer();
    try {
      await expect(
        deliver({ telegramBotToken: 't', webhookUrl: server.url } as never, runOutputFixture()),
      ).rejects.toThrow(
        "delivery: option 'telegramBotToken' was replaced: use 'telegram.botToken'; option 'webhookUrl' was replaced: use 'webhook.url'",
      );
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
