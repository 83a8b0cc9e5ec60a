/**
 * An instance cut off from Redis while its runs' leases are still valid (issue 21): its
 * heartbeat falls silent, another instance takes its runs over long before the leases lapse,
 * and when the partition heals the old owner learns at once that it lost the run and stands down
 * (what it would still send under its old epoch is refused: test/redis/silent-owner-takeover.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader, eventsOf, eventsOfType, numbered } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { freezeRedisClient } from './helpers/freeze-redis-client.js';
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

/** Far longer than the test may take: only the silent heartbeat can move the run. */
const RUN_LEASE_MS = 120_000;

describe.skipIf(skipReason !== undefined)('an owner partitioned from Redis, alive', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('loses its run to another instance before the lease lapses, and stands down without writing once the partition heals', async () => {
    const aborted: string[] = [];
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [toolCallTurn('send_report', {}, { id: 'toolu_report', text: 'Sending.' })],
        [textTurn('Finished on B.')],
      ],
      server: { runLeaseMs: RUN_LEASE_MS, instanceHeartbeatMs: 100, instanceSilentMs: 600 },
      extraTools: (index) => [
        {
          definition: {
            name: 'send_report',
            description: 'Sends the report',
            input_schema: { type: 'object', properties: {} },
          },
          // On A it hangs until its run is stopped; elsewhere it is never called (not idempotent).
          handler: (_input, context) =>
            new Promise((_resolve, reject) => {
              context.signal.addEventListener(
                'abort',
                () => {
                  aborted.push(`${index}`);
                  reject(new Error('aborted'));
                },
                { once: true },
              );
            }),
        },
      ],
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'go'));
    await onA.nextOfType('tool_call_start');
    const runId = numbered(onA.frames).at(-1)?.runId;

    // A is cut off (its commands wait on the wire); B takes the run over on A's silence.
    const partition = freezeRedisClient(a.stores.client);
    const onB = createSseReader(
      await b.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    await onB.rest();
    const seen = numbered(onB.frames);
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    expect(eventsOfType(seen, 'stream_retry')).toHaveLength(1);
    expect(eventsOf(seen).at(-1)?.type).toBe('stream_complete');
    const lastSeq = await b.stores.runEvents?.lastSeq(runId ?? '');

    // The partition heals: A's queued renewal, checkpoint and appends reach Redis under epoch 1.
    partition.thaw();
    await a.stores.client.ping();
    // A learns it lost the run and stands down: its tool is aborted, its stream ends quietly.
    await waitFor(() => (aborted.includes('0') ? true : undefined), {
      timeoutMs: 10_000,
      description: "A's tool to be aborted",
    });
    const restOnA = await onA.rest();
    expect(
      restOnA.some((frame) => frame.event.type === 'stream_complete' || frame.event.type === 'error'),
    ).toBe(false);
    // Nothing A sent landed after the new owner's end of the run.
    expect(await b.stores.runEvents?.lastSeq(runId ?? '')).toBe(lastSeq);
    const whole = createSseReader(
      await b.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    expect(eventsOf(numbered(await whole.rest()))).toEqual(eventsOf(seen));
  }, 20_000);
});
