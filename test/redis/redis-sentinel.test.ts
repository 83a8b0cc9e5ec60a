/**
 * The gateway on a master found through Redis Sentinel (issue 21): a real `redis-server
 * --sentinel` watching a real master on loopback; instances ask the sentinel where the master
 * is, then run a shared run with an approval across instances.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../src/server/create-gateway-app.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { startGatewayClient } from '../helpers/gateway-client.js';
import { createSseReader, eventsOf, numbered } from '../helpers/sse-reader.js';
import { startRedisSentinel, type RedisSentinelProcesses } from './helpers/start-redis-sentinel.js';
import { redisUnavailableReason } from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.skipIf(skipReason !== undefined)('gateway instances on a Redis master behind Sentinel', () => {
  let sentinel: RedisSentinelProcesses;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 30_000);
  afterAll(async () => {
    await sentinel.stop();
  });

  it('streams a run on A, follows it and approves its call through B', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      // Only the scheme (and credentials, db) of the URL count: the sentinel names the master.
      url: 'redis://127.0.0.1',
      topology: { sentinel: { name: sentinel.name, sentinels: [sentinel.sentinel] } },
      turns: [[toolCallTurn('delete_file', { path: '/tmp/s' }, { id: 'toolu_s' }), textTurn('Deleted.')], []],
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'delete a file'));
    const request = await onA.nextOfType('tool_approval_request');
    const runId = numbered(onA.frames).at(-1)?.runId;
    const onB = createSseReader(
      await b.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    const answer = await b.client.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: session.token },
    );
    expect(answer.status).toBe(200);
    await onB.rest();
    const seen = numbered(onB.frames);
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    expect(eventsOf(seen)).toEqual(a.events.get(session.sessionId));
    expect(a.deleted).toEqual(['/tmp/s']);
    await onA.rest();
  });

  it('is reached through server.store { redis, sentinel }', async () => {
    const app = createGatewayApp({
      buildChatRuntime: () => ({
        systemPrompt: 'unused',
        createRunner: () => ({ run: () => Promise.resolve() }),
      }),
      server: {
        store: {
          redis: 'redis://127.0.0.1',
          sentinel: { name: sentinel.name, sentinels: [sentinel.sentinel] },
          keyPrefix: `app${randomBytes(4).toString('hex')}:`,
        },
      },
    });
    const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
    const session = await client.openSession();
    expect(session.token).not.toBe('');
  });
});
