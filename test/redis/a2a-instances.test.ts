import { TaskState } from '@a2a-js/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/stores/hash-api-key.js';
import { ownerOfSession } from '../../src/server/contracts/session-owner.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import {
  a2aClientFor,
  answerOf,
  asTask,
  collect,
  kindsOf,
  sendRequest,
  statusDataOf,
  taskRequest,
  userMessage,
} from '../helpers/a2a-client.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
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

const originOf = (baseUrl: string): string => new URL(baseUrl).origin;

describe.skipIf(skipReason !== undefined)('A2A across two instances on one Redis', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('serves GetTask and SubscribeToTask on the other instance from the shared log', async () => {
    const text = 'one two three four five six seven eight';
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[textTurn(text, { eventDelayMs: 40 })], []],
      server: { a2a: true },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = await a2aClientFor(originOf(a.client.baseUrl), session.token);
    const onB = await a2aClientFor(originOf(b.client.baseUrl), session.token);
    const task = asTask(
      await onA.sendMessage(sendRequest(userMessage('Count'), { returnImmediately: true })),
    );
    expect(task.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    const followed = await collect(onB.resubscribeTask(taskRequest(task.id)));
    expect(kindsOf(followed).at(-1)).toBe('status:TASK_STATE_COMPLETED');
    const got = await onB.getTask(taskRequest(task.id));
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(got)).toBe(text);
  });

  it('answers an input-required task suspended on one instance through the other, which resumes it', async () => {
    const database = createMemoryThreadStore();
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [toolCallTurn('delete_file', { path: '/tmp/a2a' }, { id: 'toolu_a2a' })],
        [textTurn('Deleted it.')],
      ],
      server: { a2a: true, database, suspendAfterMs: 150, suspendedRunScanIntervalMs: 60_000 },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = await a2aClientFor(originOf(a.client.baseUrl), session.token);
    const onB = await a2aClientFor(originOf(b.client.baseUrl), session.token);
    const waiting = asTask(
      await onA.sendMessage(sendRequest(userMessage('Delete /tmp/a2a', { contextId: 'thr_a2a' }))),
    );
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    // The run is suspended to the database; B still knows what it waits for.
    const suspended = await waitFor(async () => {
      const owner = ownerOfSession({
        apiKeyHash: hashApiKey('test-client-key'),
        sessionId: session.sessionId,
      });
      const run = await database.getRun(owner, waiting.id);
      return run?.status === 'suspended' ? run : undefined;
    });
    expect(suspended.threadId).toBe('thr_a2a');
    const seen = await onB.getTask(taskRequest(waiting.id));
    expect(seen.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const [request] = statusDataOf(seen);
    expect(request).toMatchObject({ tool_call_id: 'toolu_a2a', tool_name: 'delete_file' });

    const rest = await collect(
      onB.sendMessageStream(
        sendRequest(userMessage(undefined, { taskId: waiting.id, data: [{ approved: true }] })),
      ),
    );
    expect(kindsOf(rest).at(-1)).toBe('status:TASK_STATE_COMPLETED');
    expect(b.deleted).toEqual(['/tmp/a2a']);
    expect(a.deleted).toEqual([]);
    const done = await onA.getTask(taskRequest(waiting.id));
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(answerOf(done)).toContain('Deleted it.');
  });
});
