import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/stores/hash-api-key.js';
import { ownerOfSession } from '../../src/server/contracts/session-owner.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader } from '../helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways, type ExtraTool } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `read_status` (idempotent) hangs on instance 0 until its run is stopped; elsewhere it answers. */
const hangsOnFirstInstance = (index: number): ExtraTool[] => [
  {
    definition: {
      name: 'read_status',
      description: 'Reads the status',
      input_schema: { type: 'object', properties: {} },
      idempotent: true,
    },
    handler: (_input, context) =>
      index === 0
        ? new Promise((_resolve, reject) => {
            context.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          })
        : { status: 'green' },
  },
];

describe.skipIf(skipReason !== undefined)('a thread-continued run that moves to another instance', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('writes each of its messages to the thread exactly once, in order', async () => {
    // One database shared by every instance, as a PostgreSQL server would be.
    const database = createMemoryThreadStore();
    const continued = [textTurn('All green.')];
    const [a, b, c] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[toolCallTurn('read_status', {}, { id: 'toolu_status' })], continued, continued],
      server: { runLeaseMs: 60_000, handOverRunsOnClose: true, database },
      extraTools: hangsOnFirstInstance,
    });
    if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(
      await a.client.chat(session.token, {
        messages: [{ role: 'user', content: 'status?' }],
        thread_id: 'thr_moving',
      }),
    );
    const first = await onA.next();
    const onC = createSseReader(
      await c.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${first?.runId}:0` },
      }),
    );
    await onC.nextOfType('tool_call_start');
    // A rolling deploy stops A: B or C continues the run from its last checkpoint.
    await a.client.close();
    expect((await onC.rest()).at(-1)?.event.type).toBe('stream_complete');

    const owner = ownerOfSession({ apiKeyHash: hashApiKey('test-client-key'), sessionId: session.sessionId });
    // The run's end is written after its stream ended, on the instance that finished it.
    await expect
      .poll(async () => (await database.getRun(owner, String(first?.runId)))?.status)
      .toBe('completed');
    const stored = await database.loadMessages(owner, 'thr_moving');
    expect(stored?.map((entry) => [entry.seq, entry.message.role, entry.runId])).toEqual([
      [0, 'user', first?.runId],
      [1, 'assistant', first?.runId],
      [2, 'user', first?.runId],
      [3, 'assistant', first?.runId],
    ]);
    expect(await database.getRun(owner, String(first?.runId))).toMatchObject({
      threadId: 'thr_moving',
      status: 'completed',
    });
  });
});
