import { afterAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { deleteFileAgent } from './helpers/delete-file-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * A run enqueued on a thread whose last run is suspended in the database, waiting for an
 * approval: it stays queued (a new message now would fork the thread's history), and starts
 * once the suspended run was answered, resumed and ended, reading the thread with that run's
 * messages in it. Real HTTP; the suspension is kept in the thread store, the queued run in
 * the gateway's memory (the database's queue, which tries it the same way, is covered by
 * test/double-texting.test.ts).
 */

const cleanup = createCleanupStack();
afterAll(() => cleanup.run());

describe('a run enqueued behind a suspended run of its thread', () => {
  it('waits queued until the suspended run is answered and ended, then reads its messages', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_q' }),
          textTurn('DELETED-4410'),
          textTurn('AFTER-ANSWER-2291'),
        ],
      }),
      (server) => server.close(),
    );
    const deleted: string[] = [];
    const app = createAgent(deleteFileAgent(upstream.url, createMemoryThreadStore(), deleted));
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const { token } = await gateway.openSession();

    const chat = await gateway.chat(token, {
      messages: [{ role: 'user', content: 'delete /tmp/a' }],
      thread_id: 'thr_q',
    });
    const reader = createSseReader(chat);
    const request = (await reader.nextOfType('tool_approval_request')) as unknown as {
      tool_call_id: string;
      nonce: string;
    };
    expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    const suspendedRunId = String(reader.frames.at(-1)?.runId);

    const accepted = await gateway.post(
      '/runs',
      { message: 'QUEUED-QUESTION-8807', thread_id: 'thr_q', multitask: 'enqueue' },
      { token },
    );
    expect(accepted.status).toBe(202);
    const { run_id: queuedRunId, status } = await jsonOf(accepted);
    expect(status).toBe('queued');
    // It does not start while the thread's run waits for its answer.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(upstream.requests).toHaveLength(1);

    const answer = await gateway.post('/chat/tool-approval', { ...request, approved: true }, { token });
    expect(answer.status).toBe(200);
    await waitFor(
      async () => {
        const run = await jsonOf(await gateway.get(`/runs/${String(queuedRunId)}`, { token }));
        return run['status'] === 'completed' ? true : undefined;
      },
      { description: 'the queued run ran after the resumed one', timeoutMs: 20_000 },
    );
    const resumed = await jsonOf(await gateway.get(`/runs/${suspendedRunId}`, { token }));
    expect(resumed['status']).toBe('completed');
    expect(deleted).toEqual(['/tmp/a']);

    // The queued run's model request held the resumed run's answer before its own question.
    const asked = JSON.stringify(upstream.requests[2]?.body);
    expect(asked.indexOf('DELETED-4410')).toBeGreaterThan(-1);
    expect(asked.indexOf('DELETED-4410')).toBeLessThan(asked.indexOf('QUEUED-QUESTION-8807'));
    const thread = await jsonOf(await gateway.get('/threads/thr_q', { token }));
    const texts = JSON.stringify(thread['messages']);
    const order = ['delete /tmp/a', 'DELETED-4410', 'QUEUED-QUESTION-8807', 'AFTER-ANSWER-2291'].map((text) =>
      texts.indexOf(text),
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  }, 40_000);
});
