import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { GatewayEvent } from '../../src/core/events.js';
import { createAnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { createOpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import { createAgent } from '../../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { httpErrorTurn, textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient, type GatewayClient } from '../helpers/gateway-client.js';
import { eventsOf, readAllSseFrames } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const fallbacksOf = (events: readonly GatewayEvent[]) =>
  events.filter((event) => event.type === 'model_fallback');

describe.skipIf(skipReason !== undefined)('circuit breakers shared through Redis', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("one instance's open circuit is skipped by the other instance too", async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [httpErrorTurn(529, { message: 'Overloaded' })],
        openai: [textTurn('Answered by the fallback on A.'), textTurn('Answered by the fallback on B.')],
      }),
      (server) => server.close(),
    );
    const keyPrefix = `circuit${randomBytes(4).toString('hex')}:`;
    const jwtSecret = randomBytes(32).toString('hex');
    const startInstance = async (): Promise<GatewayClient> => {
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
        server: { store: { redis: redis.url, keyPrefix }, jwtSecret },
      });
      return cleanup.add(await startGatewayClient(app), (client) => client.close());
    };
    const [a, b] = [await startInstance(), await startInstance()];
    const chatOn = async (gateway: GatewayClient) => {
      const { token } = await gateway.openSession();
      return eventsOf(await readAllSseFrames(await gateway.chat(token, 'question')));
    };

    // A meets the 529: one failure is the threshold, so A opens the circuit and publishes it.
    expect(fallbacksOf(await chatOn(a))).toEqual([
      { type: 'model_fallback', from: 'claude-sonnet-4-6', to: 'gpt-4o', reason: 'overloaded' },
    ]);
    const { token: operatorOnB } = await b.openSession();
    const openOnB = await waitFor(async () => {
      const health = await jsonOf(await b.get('/health/details', { token: operatorOnB }));
      const circuits = health['circuits'] as { state: string }[] | undefined;
      return circuits?.some((circuit) => circuit.state === 'open') === true ? circuits : undefined;
    });
    expect(openOnB).toEqual([
      expect.objectContaining({ provider: 'anthropic', model: 'claude-sonnet-4-6', state: 'open' }),
    ]);

    // B skips the first model without asking it: the upstream saw one Anthropic request in all.
    expect(fallbacksOf(await chatOn(b))).toEqual([
      { type: 'model_fallback', from: 'claude-sonnet-4-6', to: 'gpt-4o', reason: 'circuit_open' },
    ]);
    expect(upstream.requests.filter((request) => request.flavor === 'anthropic')).toHaveLength(1);
    upstream.assertAllConsumed();
  });
});
