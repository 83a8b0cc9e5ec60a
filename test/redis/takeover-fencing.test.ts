/**
 * Review of the run-takeover change (issue 9 Part B): each test states the behaviour the
 * documentation promises and fails while the bug it names is present.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/run-takeover.js';
import { createRedisStores, type RedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { chatWhenFree } from '../helpers/chat-when-free.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { freezeRedisClient } from './helpers/freeze-redis-client.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const record = (runId: string): RunRecord => ({
  runId,
  sessionId: 'sess_review',
  request: { messages: [{ role: 'user', content: 'hello' }], context: {} },
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipReason !== undefined)('run takeover review', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const open = async (keyPrefix: string): Promise<RedisStores> => {
    const stores = createRedisStores({
      url: redis.url,
      keyPrefix,
      readBlockMs: 200,
      onError: () => undefined,
    });
    cleanup.add(stores, (owned) => owned.close());
    await stores.connect?.();
    return stores;
  };

  it('an old owner that wakes up after the new owner finished the run stays fenced out', async () => {
    const prefix = `rv${randomBytes(4).toString('hex')}:`;
    const [a, b] = await Promise.all([open(prefix), open(prefix)]);
    const leasesA = a.runLeases;
    const leasesB = b.runLeases;
    const eventsA = a.runEvents;
    const eventsB = b.runEvents;
    if (leasesA === undefined || leasesB === undefined || eventsA === undefined || eventsB === undefined) {
      throw new Error('the Redis bundle has run leases and event logs');
    }
    // A runs the run and mirrors seq 1, then stalls (GC pause, partition) past its lease.
    await leasesA.begin(record('run_r'), 'A', 200);
    await eventsA.append('run_r', [{ seq: 1, event: { type: 'text_delta', text: 'a' } }], { epoch: 1 });
    await sleep(300);
    const [claimed] = await leasesB.claimOrphaned('B', 10_000);
    expect(claimed?.epoch).toBe(2);
    // B continues and finishes the run, then ends its lease (as `release()` does).
    await eventsB.append(
      'run_r',
      [
        { seq: 2, event: { type: 'stream_retry', attempt: 1, error: 'taken over' } },
        { seq: 3, event: { type: 'stream_complete', usage: {} } },
      ],
      { epoch: 2 },
    );
    await leasesB.end('run_r', 2);

    // A wakes up. Its renewal must tell it that the run is no longer its own...
    const renewal = await leasesA.renew('run_r', 'A', 1, 200);
    const restored = renewal === 'missing' ? await leasesA.restore(record('run_r'), 'A', 1, 200) : false;
    // ...and its buffered events must not land after the new owner's terminal event.
    const late = await eventsA.append('run_r', [{ seq: 4, event: { type: 'text_delta', text: 'late' } }], {
      epoch: 1,
    });
    expect.soft(renewal).toBe('lost');
    expect.soft(restored).toBe(false);
    expect.soft(late).toBe(false);
    expect(await eventsA.lastSeq('run_r')).toBe(3);
  });

  it('a tool result that cannot be serialised does not leave the run and its session lock hanging', async () => {
    const [gateway] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [toolCallTurn('count_rows', {}, { id: 'toolu_big' }), textTurn('Counted.'), textTurn('Again.')],
      ],
      server: { runLeaseMs: 600 },
      extraTools: () => [
        {
          definition: {
            name: 'count_rows',
            description: 'Counts rows (a database driver answers with a BigInt)',
            input_schema: { type: 'object', properties: {} },
          },
          handler: () => ({ rows: 10n }),
        },
      ],
    });
    if (gateway === undefined) throw new Error('one gateway expected');
    const session = await gateway.client.openSession();
    const first = createSseReader(await gateway.client.chat(session.token, 'count'));
    await first.rest();
    // The run ended locally (its stream is over); the session must become free again.
    const again = await chatWhenFree(gateway.client, session.token, 'again');
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it('a client that followed the dying instance can resume elsewhere and sees the takeover', async () => {
    const words = Array.from({ length: 40 }, (_unused, index) => `word${index}`).join(' ');
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[textTurn(words, { eventDelayMs: 40 })], [textTurn('Done.')]],
      server: { runLeaseMs: 600 },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'talk'));
    await onA.until((frame) => frame.event.type === 'text_delta');
    // A loses Redis mid-answer; its follower keeps receiving what A streams locally.
    a.stores.client.disconnect();
    for (let read = 0; read < 6; read += 1) await onA.next();
    const lastOnA = onA.frames.filter((frame) => frame.id !== undefined).at(-1);
    await onA.cancel();
    await waitFor(
      () =>
        b.events.get(session.sessionId)?.some((event) => event.type === 'stream_complete') ? true : undefined,
      { timeoutMs: 10_000, description: 'B to finish the run it took over' },
    );

    // The client reconnects through B from the last event it saw, as EventSource does.
    const resumed = await b.client.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${lastOnA?.runId}:${lastOnA?.id}` },
    });
    expect(resumed.status).toBe(200);
    const rest = eventsOf(await createSseReader(resumed).rest());
    expect(rest.map((event) => event.type)).toContain('stream_retry');
  });

  it("an owner cut off from Redis that finishes its copy of the run leaves the new owner's lock and approvals alone", async () => {
    const words = Array.from({ length: 40 }, (_unused, index) => `word${index}`).join(' ');
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [textTurn(words, { eventDelayMs: 40 })],
        [
          toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_del' }),
          textTurn('Deleted.'),
          textTurn('Hi.'),
        ],
      ],
      server: { runLeaseMs: 600 },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'talk'));
    const first = await onA.until((frame) => frame.event.type === 'text_delta');
    const runId = first.at(-1)?.runId;
    // A is partitioned from Redis; B takes the run over and asks for an approval.
    const partition = freezeRedisClient(a.stores.client);
    const onB = createSseReader(
      await b.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    const approval = await onB.nextOfType('tool_approval_request');
    // Meanwhile A, which never heard that it lost the run, finishes its own copy of it.
    await onA.rest();
    await sleep(100);
    partition.thaw();
    await a.stores.client.ping();

    // B's run still holds the session and its approval is still pending.
    const second = await b.client.chat(session.token, 'second');
    expect.soft(second.status).toBe(409);
    await second.body?.cancel();
    const answer = await b.client.post(
      '/chat/tool-approval',
      { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
      { token: session.token },
    );
    expect(answer.status).toBe(200);
    await onB.cancel();
  });
});
