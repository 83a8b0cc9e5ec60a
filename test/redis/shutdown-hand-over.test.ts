import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { startRedisGateways, type RedisGateway } from './helpers/start-redis-gateways.js';
import { HAND_OVER_TIMEOUT_MS, readStatusTool, slowAnswer } from './helpers/hand-over-fixtures.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/**
 * Two instances as the README's multi-instance setup has them (Redis stores, one PostgreSQL
 * database), with no `handOverRunsOnClose`: the default under shared stores is tested.
 */
async function startTwoInstances(
  servers: ReturnType<typeof useRedisAndPostgres>,
  turns: [
    Parameters<typeof startRedisGateways>[1]['turns'][number],
    Parameters<typeof startRedisGateways>[1]['turns'][number],
  ],
  calls: string[],
): Promise<[RedisGateway, RedisGateway]> {
  const [a, b] = await startRedisGateways(cleanup, {
    url: servers.redis.url,
    turns,
    server: {
      runLeaseMs: 60_000,
      database: { postgres: await servers.postgres.createDatabase() },
      shutdown: { timeoutMs: HAND_OVER_TIMEOUT_MS },
    },
    extraTools: readStatusTool(calls),
  });
  if (a === undefined || b === undefined) throw new Error('two gateways expected');
  return [a, b];
}

/** Closes `gateway` and says how long its close took, in ms. */
async function timedClose(gateway: RedisGateway): Promise<number> {
  const started = performance.now();
  await gateway.client.close();
  return performance.now() - started;
}

/** The model calls whose history held only the user's message: the first turn's calls. */
const firstTurnCalls = (...gateways: RedisGateway[]): Message[][] =>
  gateways
    .flatMap((gateway) => gateway.provider.requests.map((request) => request.messages))
    .filter((messages) => messages.length === 1);

describe.skipIf(skipReason !== undefined)('SIGTERM to one of two instances on Redis and PostgreSQL', () => {
  const servers = useRedisAndPostgres();

  it('ends the open stream with stream_resume, and the client resuming on the other instance sees every event once', async () => {
    const calls: string[] = [];
    const [a, b] = await startTwoInstances(
      servers,
      [
        [toolCallTurn('read_status', {}, { id: 'toolu_status', text: 'Checking.' }), slowAnswer(200, 50)],
        [textTurn('All green, finished on B.')],
      ],
      calls,
    );
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'status?'));
    await onA.nextOfType('tool_call_complete');
    // The second turn streams on A when the shutdown begins; it outlasts the grace.
    await onA.nextOfType('text_delta');
    const closing = timedClose(a);

    const restOnA = await onA.rest();
    const numberedOnA = onA.frames.filter((frame) => frame.id !== undefined);
    const last = onA.frames.at(-1);
    const lastSeq = numberedOnA.at(-1)?.id;
    const runId = numberedOnA[0]?.runId;
    expect(last?.id).toBeUndefined();
    expect(last?.event).toEqual({
      type: 'stream_resume',
      reason: 'handed_over',
      last_event_id: `${runId}:${lastSeq}`,
    });
    expect(restOnA.filter((frame) => frame.event.type === 'error')).toEqual([]);
    expect(await closing).toBeLessThan(HAND_OVER_TIMEOUT_MS);

    // The client reconnects through the balancer with its last id and reaches B.
    const onB = createSseReader(
      await b.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:${lastSeq}` },
      }),
    );
    const restOnB = await onB.rest();
    expect(restOnB.at(-1)?.event.type).toBe('stream_complete');
    const seen = [...numberedOnA, ...restOnB.filter((frame) => frame.id !== undefined)];
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    expect(new Set(seen.map((frame) => frame.runId))).toEqual(new Set([runId]));
    const types = eventsOf(seen).map((event) => event.type);
    expect(types.filter((type) => type === 'tool_call_complete')).toHaveLength(1);
    expect(types.filter((type) => type === 'stream_retry')).toHaveLength(1);
    expect(types.slice(types.indexOf('stream_retry')).filter((type) => type !== 'text_delta')).toEqual([
      'stream_retry',
      'stream_complete',
    ]);

    // The finished turn was asked once (on A); B asked only for the turn that was cut, with it in the history.
    expect(firstTurnCalls(a, b)).toHaveLength(1);
    expect(a.provider.requests).toHaveLength(2);
    expect(b.provider.requests.map((request) => request.messages.map((message) => message.role))).toEqual([
      ['user', 'assistant', 'user'],
    ]);
    expect(calls).toEqual(['0:read_status']);
  });

  it('lets the model turn under way finish before handing the run over, so no instance asks for it again', async () => {
    const calls: string[] = [];
    const [a, b] = await startTwoInstances(
      servers,
      [
        [
          toolCallTurn(
            'read_status',
            {},
            { id: 'toolu_status', text: 'Let me check the status of every service now.', eventDelayMs: 40 },
          ),
          slowAnswer(200, 50),
        ],
        [textTurn('All green, finished on B.')],
      ],
      calls,
    );
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'status?'));
    // The first turn is still streaming when the shutdown begins.
    await onA.nextOfType('text_delta');
    const closing = timedClose(a);

    await onA.rest();
    const numberedOnA = onA.frames.filter((frame) => frame.id !== undefined);
    const runId = numberedOnA[0]?.runId;
    const lastSeq = numberedOnA.at(-1)?.id;
    expect(onA.frames.at(-1)?.event).toMatchObject({
      type: 'stream_resume',
      last_event_id: `${runId}:${lastSeq}`,
    });
    // The turn finished on A, and so did its tool call.
    expect(eventsOf(numberedOnA).map((event) => event.type)).toContain('tool_call_complete');
    expect(await closing).toBeLessThan(HAND_OVER_TIMEOUT_MS);

    const onB = createSseReader(
      await b.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:${lastSeq}` },
      }),
    );
    const restOnB = await onB.rest();
    expect(restOnB.at(-1)?.event.type).toBe('stream_complete');
    const seen = [...numberedOnA, ...restOnB.filter((frame) => frame.id !== undefined)];
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    expect(firstTurnCalls(a, b)).toHaveLength(1);
    expect(b.provider.requests.map((request) => request.messages.map((message) => message.role))).toEqual([
      ['user', 'assistant', 'user'],
    ]);
    expect(calls).toEqual(['0:read_status']);
  });
});
