import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../../src/core/authorization.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ToolDefinition } from '../../src/core/tool.js';
import { createAgent } from '../../src/server/assembly/create-agent.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { memberHookWithClaims } from '../helpers/member-hook.js';
import { startGatewayClient, type GatewayClient } from '../helpers/gateway-client.js';
import { createSseReader } from '../helpers/sse-reader.js';
import { toolsFrom } from '../helpers/tools-from.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

/*
 * A run taken over by another instance acts as the principal it acted as where it started: its
 * session (kept in Redis with its principal) goes with it, so the tool calls it makes on the
 * instance that took it over reach `server.authorize` with the same subject, tenant, scopes and
 * claims.
 */

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `Bearer tm:<tenant>:<subject>:<scope,scope>`, of the team `ops`. */
const memberHook = memberHookWithClaims({ team: 'ops' });

/** Idempotent: the instance that takes the run over calls it again. */
const readStatus: ToolDefinition = {
  name: 'read_status',
  description: 'Reads the status',
  input_schema: { type: 'object', properties: {} },
  idempotent: true,
};

/** Resolves never; rejects when the signal aborts (a call cut short by its instance closing). */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

describe.skipIf(skipReason !== undefined)('a run taken over by another instance', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
  }, 60_000);

  it('reaches server.authorize on the instance that took it over with the principal it started as', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [toolCallTurn('read_status', {}, { id: 'toolu_status' }), textTurn('Green.')],
      }),
      (server) => server.close(),
    );
    const keyPrefix = `tkp${randomBytes(4).toString('hex')}:`;
    const jwtSecret = randomBytes(32).toString('hex');
    const database = createMemoryThreadStore();
    const asked: AuthorizeRequest[][] = [[], []];
    const calls: number[] = [];
    const gateways: GatewayClient[] = [];
    for (const instance of [0, 1] as const) {
      const stores = cleanup.add(
        createRedisStores({ url: redis.url, keyPrefix, connectTimeoutMs: 2_000, onError: () => undefined }),
        (owned) => owned.close(),
      );
      const app = createAgent({
        systemPrompt: 'You are a test agent.',
        provider: 'anthropic',
        apiKey: 'test-key',
        providerConfig: { baseURL: upstream.url },
        logger: silentLogger,
        tools: toolsFrom(
          {
            read_status: (_input, context) => {
              calls.push(instance);
              return instance === 0 ? untilAborted(context.signal) : { status: 'green' };
            },
          },
          [readStatus],
        ),
        server: {
          jwtSecret,
          store: stores,
          instanceId: `instance-${instance}`,
          database,
          runLeaseMs: 60_000,
          handOverRunsOnClose: true,
          auth: { authenticate: memberHook },
          authorize: (request) => {
            asked[instance]?.push(request);
            return true;
          },
        },
      });
      gateways.push(cleanup.add(await startGatewayClient(app), (client) => client.close()));
    }
    const [a, b] = gateways;
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const token = 'tm:acme:ada:files:write';
    const onA = createSseReader(await a.chat(token, 'status?'));
    await onA.nextOfType('tool_call_start');
    await waitFor(() => (calls.includes(0) ? true : undefined), { description: 'the call runs on A' });

    // A rolling deploy stops A: B continues the run and calls the idempotent tool again.
    await a.close();
    await waitFor(() => (calls.includes(1) ? true : undefined), {
      timeoutMs: 20_000,
      description: 'B calls the tool again',
    });
    const onB = asked[1]?.find((request) => request.action === 'tool.call');
    expect(onB).toMatchObject({ resource: { type: 'tool', id: 'read_status' } });
    expect(onB?.principal).toEqual({
      subject: 'ada',
      tenant: 'acme',
      scopes: ['files:write'],
      claims: { team: 'ops' },
    });
  });
});
