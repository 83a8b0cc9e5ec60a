import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
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

describe.skipIf(skipReason !== undefined)('a run suspended on one instance', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('resumes on the instance that receives the answer, and its session follows it there', async () => {
    // One database shared by every instance, as a PostgreSQL server would be.
    const database = createMemoryThreadStore();
    // The runs whose suspension hold was lifted (A let go of the run): from then on an answer
    // resumes the run where it lands. An answer that lands while the hold stands is stored and
    // resumed by A at its release instead (test/redis/answer-while-suspension-held.test.ts).
    const lifted: string[] = [];
    const { suspendedRuns } = database;
    if (suspendedRuns === undefined) throw new Error('the memory thread store keeps suspended runs');
    const lift = suspendedRuns.release.bind(suspendedRuns);
    suspendedRuns.release = async (runId, holder) => {
      await lift(runId, holder);
      lifted.push(runId);
    };
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_x' })],
        [textTurn('Deleted /tmp/x.')],
      ],
      server: { database, suspendAfterMs: 150, suspendedRunScanIntervalMs: 60_000 },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(
      await a.client.chat(session.token, {
        messages: [{ role: 'user', content: 'delete /tmp/x' }],
        thread_id: 'thr_instances',
      }),
    );
    const request = await onA.nextOfType('tool_approval_request');
    expect(await onA.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    const runId = String(onA.frames.at(-1)?.runId);
    const lastSeq = onA.frames.at(-1)?.id ?? 0;
    await waitFor(() => (lifted.includes(runId) ? true : undefined));

    const answered = await b.client.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: session.token },
    );
    expect(answered.status).toBe(200);
    expect(await jsonOf(answered)).toMatchObject({ run_id: runId, resumed: true });
    const follow = await b.client.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${runId}:${lastSeq}` },
    });
    expect(follow.status).toBe(200);
    const events = eventsOf(await createSseReader(follow).rest());
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
    expect(a.deleted).toEqual([]);
    expect(b.deleted).toEqual(['/tmp/x']);
    await waitFor(async () => {
      const run = await jsonOf(await b.client.get(`/runs/${runId}`, { token: session.token }));
      return run['status'] === 'completed' ? run : undefined;
    });
    const thread = await jsonOf(await a.client.get('/threads/thr_instances', { token: session.token }));
    expect(JSON.stringify(thread['messages'])).toContain('Deleted /tmp/x.');
  });
});
