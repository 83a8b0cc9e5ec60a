import { toolsFrom } from './helpers/tools-from.js';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import { createAnthropicProvider } from '../src/providers/anthropic/anthropic-provider.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';
import { runFailingClientTool } from './helpers/failing-client-tool.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

interface LogLine {
  level: keyof Logger;
  message: string;
  details: Record<string, unknown>;
}

function createRecordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record =
    (level: keyof Logger) =>
    (message: string, details: Record<string, unknown> = {}): void =>
      void lines.push({ level, message, details });
  return {
    lines,
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}

/** Opens a POST with a declared body, sends half of it, then closes the socket. */
function abandonSlowBody(baseUrl: string): Promise<void> {
  const url = new URL(`${baseUrl}/chat/init`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `POST ${url.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"api_key":`,
      );
      setTimeout(() => socket.destroy(), 20);
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

describe('what the operator sees in the log, and what the client does not', () => {
  it('logs client aborts of slow bodies at debug level at most, and reports none as errors', async () => {
    const recording = createRecordingLogger();
    const reported: string[] = [];
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        logger: recording.logger,
        server: {
          onError: (_error, where) => void reported.push(where),
        },
      },
    });
    await Promise.all(Array.from({ length: 20 }, () => abandonSlowBody(gateway.baseUrl)));
    await waitFor(() => (recording.lines.length >= 20 ? true : undefined), {
      description: 'the aborted requests to be noticed',
    });
    expect(reported).toEqual([]);
    // Only the start-up lines are above debug: no access line, warning or error per abandoned body.
    expect(
      recording.lines
        .filter((line) => line.level !== 'debug')
        .map((line) => line.message)
        .sort(),
    ).toEqual(['agent ready', 'connection limits']);
    expect((await gateway.get('/health')).status).toBe(200);
  });

  it('tells the client a stable code and sentence for an upstream 401, and logs the detail once', async () => {
    const recording = createRecordingLogger();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [httpErrorTurn(401, { message: 'invalid x-api-key sk-ant-secret-looking' })],
      agent: { logger: recording.logger },
    });
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'hi')));
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: "The model provider refused the gateway's credentials.",
      code: 'upstream_auth_failed',
    });
    expect(JSON.stringify(events)).not.toContain('x-api-key');

    const failed = recording.lines.filter((line) => line.message === 'run failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 'error',
      details: { sessionId: session.sessionId, code: 'upstream_auth_failed' },
    });
    expect(failed[0]?.details['runId']).toEqual(expect.any(String));
    expect(failed[0]?.details['error']).toContain('401');
  });

  it('does not show the client where an unreachable upstream lives', async () => {
    const recording = createRecordingLogger();
    const provider = createAnthropicProvider({ apiKey: 'test-key', baseURL: 'http://127.0.0.1:9' });
    const loop = createAgentLoop({
      provider,
      model: 'claude-sonnet-4-6',
      retry: { baseDelayMs: 1, maxRetries: 1 },
      logger: recording.logger,
    });
    const app = createGatewayApp({
      logger: recording.logger,
      buildChatRuntime: () => ({
        systemPrompt: 'Be brief.',
        model: 'claude-sonnet-4-6',
        createRunner: (context) => ({
          run: (input) =>
            loop.run({
              ...input,
              tools: createToolDispatcher({}),
              eventLog: context.eventLog,
              sessionId: context.session.sessionId,
            }),
        }),
      }),
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'hi')));
    const serialized = JSON.stringify(events);
    expect(serialized).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:9\b/);
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: 'The model provider could not be reached.',
      code: 'upstream_unavailable',
    });
    for (const retry of events.filter((event) => event.type === 'stream_retry')) {
      expect(retry).toMatchObject({ code: 'upstream_unavailable' });
    }
    const failed = recording.lines.find((line) => line.message === 'run failed');
    expect(String(failed?.details['error'])).toMatch(/ECONNREFUSED|connect/i);
    expect(recording.lines.filter((line) => line.message === 'model call failed; retrying')).toHaveLength(1);
  });

  it('logs one structured line per failed tool call', async () => {
    const recording = createRecordingLogger();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('flaky', {}, { id: 'toolu_flaky' }), textTurn('Sorry.')],
      agent: {
        logger: recording.logger,
        tools: [
          ...toolsFrom(
            {
              flaky: () => {
                throw new Error('database is down');
              },
            },
            [{ name: 'flaky', description: 'Fails', input_schema: { type: 'object' } }],
          ),
        ],
      },
    });
    const session = await gateway.openSession();
    await readAllSseFrames(await gateway.chat(session.token, 'go'));
    const failed = recording.lines.filter((line) => line.message === 'tool call failed');
    expect(failed).toEqual([
      {
        level: 'warn',
        message: 'tool call failed',
        details: expect.objectContaining({
          sessionId: session.sessionId,
          tool: 'flaky',
          toolCallId: 'toolu_flaky',
          code: expect.any(String) as unknown,
          error: expect.stringContaining('database is down') as unknown,
        }) as unknown,
      },
    ]);
  });
});

describe('access and run lines', () => {
  it('logs one access line per request with the route pattern, status and a session hash', async () => {
    const recording = createRecordingLogger();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [{ ...textTurn('Hi there.'), usage: { inputTokens: 12, outputTokens: 4 } }],
      agent: { logger: recording.logger },
    });
    const session = await gateway.openSession();
    await readAllSseFrames(await gateway.chat(session.token, 'hello'));
    await gateway.get('/health');
    await gateway.get('/no/such/path?secret=1');
    await gateway.post('/chat', { messages: [] }, { token: 'not-a-token' });

    await waitFor(() => (recording.lines.some((line) => line.message === 'run finished') ? true : undefined));
    const requests = recording.lines.filter((line) => line.message === 'request');
    expect(
      requests.map((line) => [
        line.level,
        line.details['method'],
        line.details['route'],
        line.details['status'],
      ]),
    ).toEqual([
      ['info', 'POST', '/api/chat/init', 200],
      ['info', 'POST', '/api/chat', 200],
      ['debug', 'GET', '/api/health', 200],
      ['info', 'GET', 'unmatched', 404],
      ['info', 'POST', '/api/chat', 401],
    ]);
    const chat = requests[1]?.details ?? {};
    expect(chat['session']).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(recording.lines)).not.toContain(session.token);
    expect(chat['durationMs']).toEqual(expect.any(Number));
    expect(requests[0]?.details['bytes']).toBeGreaterThan(0);
    expect(requests[0]?.details).not.toHaveProperty('session');

    const finished = recording.lines.filter((line) => line.message === 'run finished');
    expect(finished).toEqual([
      {
        level: 'info',
        message: 'run finished',
        details: {
          runId: expect.stringMatching(/^[0-9a-f]{36}$/) as unknown,
          sessionId: session.sessionId,
          outcome: 'completed',
          turns: 1,
          inputTokens: 12,
          outputTokens: 4,
          costUsd: expect.any(Number) as unknown,
        },
      },
    ]);
  });

  it("clips a client tool's 400 KB error code and message in the tool call failed line, whatever the logger", async () => {
    const recording = createRecordingLogger();
    const huge = 'e'.repeat(400_000);
    await runFailingClientTool(cleanup, { code: huge, message: huge }, { logger: recording.logger });
    const failed = recording.lines.filter((line) => line.message === 'tool call failed');
    expect(failed).toHaveLength(1);
    const logged = JSON.stringify(failed[0]?.details);
    expect(logged.length).toBeLessThan(8 * 1024);
    expect(failed[0]?.details).toMatchObject({
      code: expect.stringMatching(/^e+… \[\d+ more characters\]$/) as unknown,
    });
  });
});
