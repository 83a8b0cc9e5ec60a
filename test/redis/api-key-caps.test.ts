import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKeySpace } from '../../src/stores/redis/redis-key-space.js';
import { createRedisSlotCounter } from '../../src/stores/redis/redis-slot-counter.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { createSseReader, readAllSseFrames, textOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.skipIf(skipReason !== undefined)('caps per API key across instances sharing Redis', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("counts a key's pending answers on every instance, lets another key run, and frees them when runs end", async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_caps_a' }),
          textTurn('Hello, other key.'),
          textTurn('Room again.'),
        ],
        [toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_caps_b' })],
      ],
      server: { maxPendingAnswersPerApiKey: 2, maxConcurrentRuns: 2 },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const onA = await a.client.openSession('key-a');
    const waitingOnA = createSseReader(await a.client.chat(onA.token, 'delete a'));
    await waitingOnA.nextOfType('tool_approval_request');
    const onB = await b.client.openSession('key-a');
    const waitingOnB = createSseReader(await b.client.chat(onB.token, 'delete b'));
    await waitingOnB.nextOfType('tool_approval_request');

    const third = await a.client.openSession('key-a');
    const refused = await a.client.chat(third.token, 'one more');
    expect(refused.status).toBe(429);
    expect(String((await jsonOf(refused)).detail)).toContain('maxPendingAnswersPerApiKey 2');

    const other = await a.client.openSession('key-b');
    expect(textOf(await readAllSseFrames(await a.client.chat(other.token, 'hi')))).toBe('Hello, other key.');

    // The run waiting for B ends (cancelled through A): its call is given back deployment-wide.
    expect((await a.client.post('/chat/cancel', {}, { token: onB.token })).status).toBe(200);
    await waitingOnB.rest();
    const after = await waitFor(
      async () => {
        const response = await a.client.chat(third.token, 'one more');
        if (response.status !== 429) return response;
        await response.body?.cancel();
        return undefined;
      },
      { description: 'the ended run to give back its pending answer' },
    );
    expect(textOf(await readAllSseFrames(after))).toBe('Room again.');
    await waitingOnA.cancel();
  });

  it('caps live sessions at maxSessions across instances', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[], []],
      server: { maxSessions: 3 },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const opened = await Promise.all(
      [a, b, a, b, a, b].map((gateway, index) =>
        gateway.client.post('/chat/init', { api_key: `key-${index}` }),
      ),
    );
    const statuses = opened.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 503, 503, 503]);
    const refused = opened.find((response) => response.status === 503);
    expect(await refused?.json()).toEqual({ detail: 'Too many live sessions (maxSessions 3); retry later' });
  });

  it('gives one racer the last slot and lets the slots of a holder that stopped renewing lapse', async () => {
    const client = new Redis(redis.url);
    cleanup.add(client, (connection) => connection.quit());
    const counter = createRedisSlotCounter({
      client,
      keys: createRedisKeySpace(`caps${randomBytes(4).toString('hex')}:`),
      name: 'runs',
    });
    const taken = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        counter.acquire('key', `run-${index}`, { limit: 5, leaseMs: 60_000 }),
      ),
    );
    expect(taken.filter(Boolean)).toHaveLength(5);
    // A holder renews its own slot even at the limit.
    const holder = taken.indexOf(true);
    expect(await counter.acquire('key', `run-${holder}`, { limit: 5, leaseMs: 60_000 })).toBe(true);
    expect(await counter.count('key')).toBe(5);
    await counter.release('key', `run-${holder}`);
    expect(await counter.count('key')).toBe(4);

    // A crashed instance stops renewing: its slot lapses with its lease.
    await counter.acquire('crashed', 'run-x', { limit: 5, leaseMs: 50 });
    await waitFor(async () => ((await counter.count('crashed')) === 0 ? true : undefined), {
      description: 'the lapsed slot to be dropped',
    });
  });
});
