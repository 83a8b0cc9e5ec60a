import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAnthropicProvider } from '../src/providers/anthropic/anthropic-provider.js';
import { createOpenAIProvider } from '../src/providers/openai/openai-provider.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createChaosResponder } from '../src/testing/mock-upstream/chaos-responder.js';
import { createMockUpstream, type MockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { httpErrorTurn, textTurn } from '../src/testing/scripted-turn.js';
import { silentLogger, type Logger } from '../src/core/logger.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import type { GatewayEvent } from '../src/core/events.js';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';

const cleanup = createCleanupStack();
afterEach(async () => {
  await cleanup.run();
  vi.useRealTimers();
});

const ANSWER = 'The answer is 42.';

/** A logger that keeps each line as `level message details` in `lines`. */
function recordingLogger(lines: string[]): Logger {
  const record =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
    };
  return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

const eventsOfType = <Type extends GatewayEvent['type']>(events: readonly GatewayEvent[], type: Type) =>
  events.filter((event): event is Extract<GatewayEvent, { type: Type }> => event.type === type);

/** An agent on Anthropic with an OpenAI fallback, both served by one mock upstream. */
async function startFallbackAgent(upstream: MockUpstream, extra: Record<string, unknown> = {}) {
  const app = createAgent({
    systemPrompt: 'Be reliable.',
    provider: createAnthropicProvider({ apiKey: 'test-key', baseURL: upstream.url }),
    model: 'claude-sonnet-4-6',
    fallback: [
      {
        provider: createOpenAIProvider({ apiKey: 'test-key', baseURL: upstream.openaiBaseURL }),
        model: 'gpt-4o',
      },
    ],
    logger: silentLogger,
    server: { metrics: true },
    ...extra,
  });
  return cleanup.add(await startGatewayClient(app), (client) => client.close());
}

describe('fallback models over HTTP', () => {
  it('moves every chat to the fallback while the first model answers 529 for 30 s, then comes back', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T08:00:00Z'));
    const outageEnds = Date.now() + 30_000;
    const overloaded = createChaosResponder({ turn: () => textTurn(ANSWER), rates: { overloaded: 1 } });
    const upstream = cleanup.add(
      await createMockUpstream({
        respond: (request) =>
          request.flavor === 'anthropic' && Date.now() < outageEnds
            ? overloaded.respond(request)
            : textTurn(ANSWER),
      }),
      (server) => server.close(),
    );
    const logged: string[] = [];
    const gateway = await startFallbackAgent(upstream, { logger: recordingLogger(logged) });
    // A session per chat: one session runs one chat at a time.
    const chat = async () => {
      const { token } = await gateway.openSession();
      return eventsOf(await readAllSseFrames(await gateway.chat(token, 'question')));
    };
    const anthropicRequests = () =>
      upstream.requests.filter((request) => request.flavor === 'anthropic').length;

    // A burst during the outage: each chat fails over once, and its text is the fallback's alone.
    const burst = await Promise.all(Array.from({ length: 6 }, () => chat()));
    for (const events of burst) {
      expect(eventsOfType(events, 'model_fallback')).toHaveLength(1);
      expect(eventsOfType(events, 'model_fallback')[0]).toMatchObject({
        from: 'claude-sonnet-4-6',
        to: 'gpt-4o',
      });
      expect(events.flatMap((event) => (event.type === 'text_delta' ? [event.text] : [])).join('')).toBe(
        ANSWER,
      );
      expect(events.at(-1)?.type).toBe('stream_complete');
      expect(eventsOfType(events, 'stream_retry')).toEqual([]);
    }
    // Five failures in a row opened the circuit: the next chats do not even ask the first model.
    const askedDuringBurst = anthropicRequests();
    expect(askedDuringBurst).toBeGreaterThanOrEqual(5);
    const later = await chat();
    expect(eventsOfType(later, 'model_fallback')).toEqual([
      { type: 'model_fallback', from: 'claude-sonnet-4-6', to: 'gpt-4o', reason: 'circuit_open' },
    ]);
    expect(anthropicRequests()).toBe(askedDuringBurst);

    const { token: operator } = await gateway.openSession();
    const health = await jsonOf(await gateway.get('/health/details', { token: operator }));
    expect(health).toMatchObject({
      status: 'ok',
      circuits: [{ provider: 'anthropic', model: 'claude-sonnet-4-6', state: 'open', failures: 5 }],
    });
    const metrics = await (await fetch(`${new URL(gateway.baseUrl).origin}/metrics`)).text();
    expect(metrics).toContain(
      'gateway_provider_circuit_state{provider="anthropic",model="claude-sonnet-4-6"} 1',
    );
    // The skip is counted with the fallbacks that answered the 529s.
    expect(metrics).toContain(
      'agent_gateway_model_fallbacks_total{from="claude-sonnet-4-6",to="gpt-4o",reason="circuit_open"} 1',
    );
    expect(metrics).toMatch(
      /agent_gateway_model_fallbacks_total\{from="claude-sonnet-4-6",to="gpt-4o",reason="overloaded"\} \d+/,
    );
    expect(logged.filter((line) => line.startsWith('warn circuit opened'))).toEqual([
      expect.stringContaining('"provider":"anthropic","model":"claude-sonnet-4-6","failures":5'),
    ]);
    expect(metrics).toMatch(/agent_gateway_tokens_total\{gen_ai_request_model="gpt-4o",type="output"\} \d+/);

    // The outage and the cool-down are over: the first model answers again, unannounced.
    vi.setSystemTime(outageEnds + 1_000);
    const recovered = await chat();
    expect(eventsOfType(recovered, 'model_fallback')).toEqual([]);
    expect(anthropicRequests()).toBe(askedDuringBurst + 1);
    const { token } = await gateway.openSession();
    expect(textOf(await readAllSseFrames(await gateway.chat(token, 'again')))).toBe(ANSWER);
    const closed = await jsonOf(await gateway.get('/health/details', { token }));
    expect(closed).toMatchObject({ circuits: [{ state: 'closed', failures: 0 }] });
    expect(logged.filter((line) => line.includes('circuit closed'))).toEqual([
      'info circuit closed; the model is tried again {"provider":"anthropic","model":"claude-sonnet-4-6"}',
    ]);
  });

  it('does not retry a turn on another model once its text reached the client', async () => {
    const cut = {
      blocks: [{ type: 'text' as const, text: 'A long answer that breaks off' }],
      cutAfterEvents: 4,
    };
    const upstream = cleanup.add(await createMockUpstream({ anthropic: [cut, cut] }), (server) =>
      server.close(),
    );
    // The loop itself, to shorten the retry wait (createAgent keeps the production one).
    const loop = createAgentLoop({
      provider: createAnthropicProvider({ apiKey: 'test-key', baseURL: upstream.url }),
      model: 'claude-sonnet-4-6',
      fallback: [
        {
          provider: createOpenAIProvider({ apiKey: 'test-key', baseURL: upstream.openaiBaseURL }),
          model: 'gpt-4o',
        },
      ],
      retry: { baseDelayMs: 1, maxRetries: 1 },
      logger: silentLogger,
    });
    const app = createGatewayApp({
      buildChatRuntime: () => ({
        systemPrompt: 'Be reliable.',
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
      logger: silentLogger,
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'question')));

    expect(eventsOfType(events, 'model_fallback')).toEqual([]);
    expect(eventsOfType(events, 'stream_retry')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_unavailable' });
    expect(upstream.requests.filter((request) => request.flavor === 'openai')).toEqual([]);
    upstream.assertAllConsumed();
  });

  it('reports every model tried when the whole chain fails', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [httpErrorTurn(529, { message: 'Overloaded' })],
        openai: [httpErrorTurn(400, { message: 'Bad request' })],
      }),
      (server) => server.close(),
    );
    const gateway = await startFallbackAgent(upstream);
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'question')));

    expect(events.map((event) => event.type)).toEqual(['model_fallback', 'error']);
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: 'The model provider rejected the request.',
      code: 'upstream_rejected_request',
      attempts: [
        { model: 'claude-sonnet-4-6', code: 'upstream_overloaded' },
        { model: 'gpt-4o', code: 'upstream_rejected_request' },
      ],
    });
    upstream.assertAllConsumed();
  });

  it('refuses at startup a fallback model that server.allowedModels does not list', () => {
    expect(() =>
      createAgent({
        systemPrompt: 'x',
        model: 'claude-sonnet-4-6',
        fallback: [{ model: 'claude-haiku-4-5' }],
        server: { allowedModels: ['claude-sonnet-4-6'] },
      }),
    ).toThrow(/fallback\[0\]\.model 'claude-haiku-4-5' is not in server\.allowedModels/);
  });
});
