import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { createAnthropicProvider } from '../src/providers/anthropic/anthropic-provider.js';
import { createOpenAIProvider } from '../src/providers/openai/openai-provider.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { httpErrorTurn, textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A gateway whose first model answered 529 once: its circuit is open (threshold 1). */
async function startGatewayWithOpenCircuit() {
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: [httpErrorTurn(529, { message: 'Overloaded' })],
      openai: [textTurn('From the fallback.')],
    }),
    (server) => server.close(),
  );
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
    circuitBreaker: { failureThreshold: 1, coolDownMs: 600_000 },
    logger: silentLogger,
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  const { token } = await gateway.openSession();
  const events = eventsOf(await readAllSseFrames(await gateway.chat(token, 'question')));
  expect(events.at(-1)?.type).toBe('stream_complete');
  return { gateway, token };
}

describe('what GET /health tells a caller without credentials', () => {
  it('answers only the status, never the circuits of the providers and models', async () => {
    const { gateway } = await startGatewayWithOpenCircuit();
    const response = await gateway.get('/health');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 'ok' });
    expect(text).not.toContain('claude-sonnet-4-6');
    expect(text).not.toContain('anthropic');
  });

  it('lists the circuits, with the failures that opened one, on GET /health/details with a session', async () => {
    const { gateway, token } = await startGatewayWithOpenCircuit();
    expect((await gateway.get('/health/details')).status).toBe(401);
    expect((await gateway.get('/health/details', { token: 'not-a-session' })).status).toBe(401);
    const response = await gateway.get('/health/details', { token });
    expect(response.status).toBe(200);
    const body = await jsonOf(response);
    expect(body).toEqual({
      status: 'ok',
      circuits: [
        {
          provider: 'anthropic',
          model: 'claude-sonnet-4-6',
          state: 'open',
          failures: 1,
          retryInMs: expect.any(Number) as number,
        },
      ],
    });
  });
});
