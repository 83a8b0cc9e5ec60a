import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { readAllSseFrames, textOf } from '../helpers/sse-reader.js';
import { readmeSessionOf, startReadmeDeployment } from './helpers/readme-deployment.js';
import {
  approveAndFinish,
  endedRecord,
  forcedIds,
  TAKEN,
  turnsWaitingThenSecond,
  waitingChat,
} from './helpers/run-id-collisions.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/*
 * Issue 75, item 11: an id already in use is never accepted. Both instances draw from one forced
 * generator, so the second run draws the id the first one holds; it must run (and be recorded)
 * under another id, and the first run's record must stay its own.
 */
describe.skipIf(skipReason !== undefined)('run ids drawn twice, on the README multi-instance setup', () => {
  const servers = useRedisAndPostgres();

  it('gives a second chat on the same instance another id than the live run that holds it; both are recorded', async () => {
    const ids = forcedIds(TAKEN, TAKEN);
    const { a } = await startReadmeDeployment(cleanup, servers, {
      turns: [turnsWaitingThenSecond(), []],
      server: { drawRunId: ids.draw },
    });
    const alice = await readmeSessionOf(a.client, 'alice');
    const bob = await readmeSessionOf(a.client, 'bob');
    const first = await waitingChat(a.client, alice, 'thr-alice');
    expect(first.runId).toBe(TAKEN);

    const second = await readAllSseFrames(
      await a.client.chat(bob, { messages: [{ role: 'user', content: 'hello' }], thread_id: 'thr-bob' }),
    );
    const secondId = second.at(-1)?.runId ?? '';
    expect(ids.drawn.slice(0, 2)).toEqual([TAKEN, TAKEN]);
    expect(secondId).not.toBe(TAKEN);
    expect(textOf(second)).toBe('Second run.');
    expect(await approveAndFinish(a.client, alice, first)).toBe('First run done.');

    expect(await endedRecord(a.client, alice, TAKEN)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-alice',
    });
    expect(await endedRecord(a.client, bob, secondId)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-bob',
    });
    expect((await a.client.get(`/runs/${TAKEN}`, { token: bob })).status).toBe(404);
  });

  it('gives a run from POST /api/runs another id than the chat that holds it; both are recorded', async () => {
    const ids = forcedIds(TAKEN, TAKEN);
    const { a } = await startReadmeDeployment(cleanup, servers, {
      turns: [turnsWaitingThenSecond(), []],
      server: { drawRunId: ids.draw },
    });
    const alice = await readmeSessionOf(a.client, 'alice');
    const bob = await readmeSessionOf(a.client, 'bob');
    const first = await waitingChat(a.client, alice, 'thr-alice');
    expect(first.runId).toBe(TAKEN);

    const started = await a.client.post('/runs', { message: 'hello', thread_id: 'thr-bob' }, { token: bob });
    expect(started.status).toBe(202);
    const secondId = String((await jsonOf(started))['run_id']);
    expect(secondId).not.toBe(TAKEN);
    expect(await endedRecord(a.client, bob, secondId)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-bob',
    });
    expect(await approveAndFinish(a.client, alice, first)).toBe('First run done.');
    expect(await endedRecord(a.client, alice, TAKEN)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-alice',
    });
  });

  it('gives a chat on instance B another id than the run on instance A that holds it; both are recorded', async () => {
    const ids = forcedIds(TAKEN, TAKEN);
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [
          toolCallTurn('delete_file', { path: '/tmp/t' }, { id: 'toolu_collide' }),
          textTurn('First run done.'),
        ],
        [textTurn('Second run.')],
      ],
      server: { drawRunId: ids.draw },
    });
    const alice = await readmeSessionOf(a.client, 'alice');
    const bob = await readmeSessionOf(b.client, 'bob');
    const first = await waitingChat(a.client, alice, 'thr-alice');
    expect(first.runId).toBe(TAKEN);

    const second = await readAllSseFrames(
      await b.client.chat(bob, { messages: [{ role: 'user', content: 'hello' }], thread_id: 'thr-bob' }),
    );
    const secondId = second.at(-1)?.runId ?? '';
    expect(secondId).not.toBe(TAKEN);
    expect(textOf(second)).toBe('Second run.');
    expect(await approveAndFinish(a.client, alice, first)).toBe('First run done.');

    expect(await endedRecord(b.client, alice, TAKEN)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-alice',
    });
    expect(await endedRecord(a.client, bob, secondId)).toMatchObject({
      status: 'completed',
      thread_id: 'thr-bob',
    });
  });
});
