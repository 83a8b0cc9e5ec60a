import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../core/logger.js';
import { createMockUpstream, type MockUpstream } from '../testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { tool } from '../tools/define-tool.js';
import { runAutonomous } from './run-autonomous.js';
import { runOutputExitCode } from './run-output.js';
import { sendPrompt } from './send-prompt.js';

/**
 * End to end through the official Anthropic SDK against a local wire-format server: the same
 * provider, loop and dispatcher as the HTTP gateway, with no network beyond 127.0.0.1.
 */

let upstream: MockUpstream;
let stateDir: string;

beforeEach(async () => {
  for (const name of [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_CUSTOM_HEADERS',
  ]) {
    vi.stubEnv(name, '');
  }
  upstream = await createMockUpstream();
  stateDir = await mkdtemp(join(tmpdir(), 'autonomous-e2e-'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await upstream.close();
  await rm(stateDir, { recursive: true, force: true });
});

const anthropic = () => ({
  provider: 'anthropic' as const,
  apiKey: 'sk-test',
  providerConfig: { baseURL: upstream.url },
  logger: silentLogger,
});

describe('runAutonomous through the Anthropic SDK', () => {
  it('calls a local tool, then saves the state the model asked for', async () => {
    upstream.enqueue(
      'anthropic',
      toolCallTurn('read_status', { service: 'db' }, { usage: { inputTokens: 40, outputTokens: 8 } }),
      textTurn(
        'DB is healthy.\n\n## STATE_UPDATE_JSON\n```json\n{"last_status": "healthy", "checks": 1}\n```',
        {
          usage: { inputTokens: 70, outputTokens: 30 },
        },
      ),
    );
    const readStatus = tool({
      name: 'read_status',
      description: 'Reads the status of a service.',
      inputSchema: z.object({ service: z.string() }),
      execute: ({ service }) => ({ service, status: 'healthy' }),
    });

    const output = await runAutonomous({
      ...anthropic(),
      systemPrompt: 'You monitor services.',
      tools: [readStatus],
      headless: {
        initialMessage: 'Check the database.',
        stateDir,
      },
    });

    upstream.assertAllConsumed();
    expect(runOutputExitCode(output)).toBe(0);
    expect(output.toolsUsed).toEqual(['read_status']);
    expect(output.response.startsWith('DB is healthy.')).toBe(true);
    expect(output.usage).toMatchObject({ inputTokens: 110, outputTokens: 38 });

    const secondRequest = upstream.requests[1]?.body as {
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(JSON.stringify(secondRequest.messages.at(-1))).toContain('\\"status\\":\\"healthy\\"');

    const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({
      last_status: 'healthy',
      checks: 1,
      model: 'claude-sonnet-4-6',
      tools_used: ['read_status'],
      usage: { input_tokens: 110, output_tokens: 38 },
    });
  });

  it('times out on a stalling upstream with exit code 124 and closes the connection', async () => {
    upstream.enqueue('anthropic', {
      blocks: [{ type: 'text', text: 'Looking into it' }],
      stallAfterEvents: 3,
    });
    const output = await runAutonomous({
      ...anthropic(),
      systemPrompt: 'You monitor services.',
      headless: {
        initialMessage: 'Check the database.',
        timeoutMs: 500,
      },
    });
    expect(output.timedOut).toBe(true);
    expect(runOutputExitCode(output)).toBe(124);
    const aborted = await upstream.waitForClientAbort();
    expect(aborted.clientAborted).toBe(true);
  });
});

describe('sendPrompt through the Anthropic SDK', () => {
  it('returns the trimmed text of one turn without tools or thinking', async () => {
    upstream.enqueue('anthropic', textTurn('  Four.  ', { usage: { inputTokens: 12, outputTokens: 3 } }));
    const usages: unknown[] = [];
    const text = await sendPrompt({
      ...anthropic(),
      prompt: 'What is 2 + 2?',
      model: 'claude-sonnet-4-6',
      systemPrompt: 'Answer briefly.',
      onRunUsage: (usage) => void usages.push(usage),
    });
    expect(text).toBe('Four.');
    const body = upstream.requests[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ max_tokens: 4096, messages: [{ role: 'user', content: 'What is 2 + 2?' }] });
    expect(body).not.toHaveProperty('thinking');
    expect(body.tools === undefined || (Array.isArray(body.tools) && body.tools.length === 0)).toBe(true);
    expect(usages).toEqual([
      expect.objectContaining({ sessionId: 'send-prompt', inputTokens: 12, outputTokens: 3 }),
    ]);
  });

  it('rejects without credentials instead of answering with the stub', async () => {
    await expect(
      sendPrompt({ prompt: 'hi', model: 'claude-sonnet-4-6', providerConfig: { baseURL: upstream.url } }),
    ).rejects.toThrow(/No Anthropic credentials found/);
    expect(upstream.requests).toEqual([]);
  });

  it('rejects with provider_error when the model call fails', async () => {
    upstream.enqueue('anthropic', { kind: 'http_error', status: 400, message: 'prompt too long' });
    await expect(
      sendPrompt({ ...anthropic(), prompt: 'hi', model: 'claude-sonnet-4-6' }),
    ).rejects.toMatchObject({
      code: 'provider_error',
      message: expect.stringContaining('prompt too long') as unknown,
    });
  });
});
