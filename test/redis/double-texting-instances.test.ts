import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/*
 * A run waits on instance A (for an approval); the user's next message reaches instance B.
 */
describe.skipIf(skipReason !== undefined)('double texting across two instances', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('steer: a message sent through B reaches the run on A before its next model call', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[toolCallTurn('delete_file', { path: '/tmp/s' }, { id: 'toolu_s' }), textTurn('Kept it.')], []],
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'delete /tmp/s'));
    const request = await onA.nextOfType('tool_approval_request');

    const steered = await b.client.chat(session.token, {
      messages: [{ role: 'user', content: 'keep a copy first' }],
      multitask: 'steer',
    });
    expect(steered.status).toBe(202);
    expect(await jsonOf(steered)).toMatchObject({ status: 'steered' });
    const approved = await b.client.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: session.token },
    );
    expect(approved.status).toBe(200);
    const events = eventsOf(await onA.rest());
    expect(events).toContainEqual({ type: 'steering_message', content: 'keep a copy first' });
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
    expect(JSON.stringify(a.provider.requests[1]?.messages.at(-1))).toContain('keep a copy first');
    expect(b.provider.requests).toHaveLength(0);
  });

  it('interrupt: a message sent through B cancels the run on A and runs on B', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[toolCallTurn('delete_file', { path: '/tmp/i' }, { id: 'toolu_i' })], [textTurn('New plan.')]],
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'delete /tmp/i'));
    await onA.nextOfType('tool_approval_request');

    const second = await b.client.chat(session.token, {
      messages: [{ role: 'user', content: 'never mind' }],
      multitask: 'interrupt',
    });
    expect(second.status).toBe(200);
    const events = eventsOf(await createSseReader(second).rest());
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
    expect(eventsOf(await onA.rest()).at(-1)).toMatchObject({ type: 'error' });
    expect(a.deleted).toEqual([]);
    expect(b.provider.requests).toHaveLength(1);
  });
});
