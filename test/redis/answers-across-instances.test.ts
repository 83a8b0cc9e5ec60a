import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
import { createSseReader } from '../helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

/*
 * Owners and answers with two instances on one Redis and one database: a session reaches only
 * its own runs on either instance.
 */

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

async function sessionOf(gateway: GatewayClient, apiKey: string, user?: string) {
  const response = await gateway.post('/chat/init', {
    api_key: apiKey,
    ...(user === undefined ? {} : { user }),
  });
  expect(response.status).toBe(200);
  return String((await jsonOf(response))['session_token']);
}

describe.skipIf(skipReason !== undefined)('answers across two instances', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("keeps another session of the same key out of a run on either instance, and lets the run's own session answer through the other", async () => {
    const database = createMemoryThreadStore();
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[toolCallTurn('delete_file', { path: '/tmp/o' }, { id: 'toolu_o' }), textTurn('Done.')], []],
      server: { database, a2a: true },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const first = await sessionOf(a.client, 'shared-key');
    const second = await sessionOf(b.client, 'shared-key');
    const reader = createSseReader(
      await a.client.chat(first, {
        messages: [{ role: 'user', content: 'delete /tmp/o' }],
        thread_id: 'thr_o',
      }),
    );
    const request = await reader.nextOfType('tool_approval_request');
    const runId = String(reader.frames.at(-1)?.runId);
    const body = { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved: true };

    for (const client of [a.client, b.client]) {
      expect(JSON.stringify(await jsonOf(await client.get('/threads', { token: second })))).not.toContain(
        'thr_o',
      );
      expect((await client.get(`/runs/${runId}`, { token: second })).status).toBe(404);
      expect((await client.post('/chat/tool-approval', body, { token: second })).status).toBe(404);
    }
    expect(a.deleted).toEqual([]);
    expect((await b.client.post('/chat/tool-approval', body, { token: first })).status).toBe(200);
    await reader.rest();
    expect(a.deleted).toEqual(['/tmp/o']);
  });
});
