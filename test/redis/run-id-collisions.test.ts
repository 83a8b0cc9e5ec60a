import { afterEach, describe, expect, it } from 'vitest';
import { newChatRunId } from '../../src/server/chat/chat-run.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
import { createSseReader, readAllSseFrames, textOf, type SseReader } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { readmeSessionOf, startReadmeDeployment } from './helpers/readme-deployment.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** The id both runs are forced to draw first. */
const TAKEN = 'c0111de0c0111de0c0111de0';

/**
 * A generator (`server.drawRunId`, shared by both instances of this process) that draws `TAKEN`
 * twice, then random ids: the first run gets it, the second draws it again.
 */
function collidingIds(): { draw: () => string; drawn: string[] } {
  const drawn: string[] = [];
  const forced = [TAKEN, TAKEN];
  return {
    drawn,
    draw: () => {
      const id = forced.shift() ?? newChatRunId();
      drawn.push(id);
      return id;
    },
  };
}

/** A chat on `thread` whose run waits for approval of `delete_file`: it stays live under `TAKEN`. */
async function waitingChat(gateway: GatewayClient, token: string, thread: string) {
  const stream = createSseReader(
    await gateway.chat(token, { messages: [{ role: 'user', content: 'delete /tmp/t' }], thread_id: thread }),
  );
  const approval = await stream.nextOfType('tool_approval_request');
  const runId = stream.frames.at(-1)?.runId;
  return { stream, approval, runId };
}

/** Approves the waiting run's call and reads its stream to the end. */
async function approveAndFinish(
  gateway: GatewayClient,
  token: string,
  waiting: { stream: SseReader; approval: { tool_call_id: string; nonce: string } },
): Promise<string> {
  const { approval } = waiting;
  const answered = await gateway.post(
    '/chat/tool-approval',
    { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
    { token },
  );
  expect(answered.status).toBe(200);
  return textOf(await waiting.stream.rest());
}

/** The run's record as its owner reads it, once it is no longer running. */
const endedRecord = (gateway: GatewayClient, token: string, runId: string) =>
  waitFor(async () => {
    const response = await gateway.get(`/runs/${runId}`, { token });
    if (response.status !== 200) return undefined;
    const record = await jsonOf(response);
    return record['status'] === 'running' ? undefined : record;
  });

const turnsWaitingThenSecond = () => [
  toolCallTurn('delete_file', { path: '/tmp/t' }, { id: 'toolu_collide' }),
  textTurn('Second run.'),
  textTurn('First run done.'),
];

/*
 * Issue 75, item 11: an id already in use is never accepted. Both instances draw from one forced
 * generator, so the second run draws the id the first one holds; it must run (and be recorded)
 * under another id, and the first run's record must stay its own.
 */
describe.skipIf(skipReason !== undefined)('run ids drawn twice, on the README multi-instance setup', () => {
  const servers = useRedisAndPostgres();

  it('gives a second chat on the same instance another id than the live run that holds it; both are recorded', async () => {
    const ids = collidingIds();
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
    const ids = collidingIds();
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
    const ids = collidingIds();
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
