import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../../src/stores/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
import { createSseReader } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

/*
 * Owners and answers with two instances on one Redis and one database: a session reaches only
 * its own runs on either instance, and two answers racing a suspension are acknowledged once.
 */

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const BACKEND_KEY = 'backend-key';
const ROUNDS = 8;

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

  it('acknowledge exactly one of two answers racing the suspension, the one that took effect', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const database = createMemoryThreadStore();
      const [a, b] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [
            toolCallTurn('delete_file', { path: `/tmp/r${round}` }, { id: `toolu_r${round}` }),
            textTurn('Done.'),
          ],
          [textTurn('Done.')],
        ],
        server: {
          database,
          validApiKeys: [BACKEND_KEY],
          serverSideApiKeys: [BACKEND_KEY],
          suspendAfterMs: 120,
          suspendedRunScanIntervalMs: 100,
        },
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      const token = await sessionOf(a.client, BACKEND_KEY, 'payer');
      const otherToken = await sessionOf(b.client, BACKEND_KEY, 'payer');
      const reader = createSseReader(
        await a.client.chat(token, {
          messages: [{ role: 'user', content: 'delete' }],
          thread_id: `thr_r${round}`,
        }),
      );
      const request = await reader.nextOfType('tool_approval_request');
      const runId = String(reader.frames.at(-1)?.runId);
      const ended = reader.rest();
      await new Promise((resolve) => setTimeout(resolve, 80 + ((round * 11) % 80)));
      const answer = (approved: boolean, client: GatewayClient, from: string) =>
        client.post(
          '/chat/tool-approval',
          { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved },
          { token: from },
        );
      const [denial, approval] = await Promise.all([
        answer(false, b.client, token),
        answer(true, b.client, otherToken),
      ]);
      const statuses = [denial.status, approval.status];
      expect(
        statuses.filter((status) => status < 300),
        `round ${round}: ${statuses.join(', ')}`,
      ).toHaveLength(1);
      await ended;
      await waitFor(
        async () =>
          (await jsonOf(await b.client.get(`/runs/${runId}`, { token })))['status'] === 'completed'
            ? true
            : undefined,
        { timeoutMs: 20_000 },
      );
      const deleted = [...a.deleted, ...b.deleted];
      expect(deleted.length, `round ${round}: ${statuses.join(', ')}`).toBe(approval.status < 300 ? 1 : 0);
      const audit = await jsonOf(await b.client.get(`/runs/${runId}/approvals`, { token }));
      expect(audit['approvals']).toMatchObject([{ decision: approval.status < 300 ? 'approved' : 'denied' }]);
      await cleanup.run();
    }
  }, 180_000);
});
