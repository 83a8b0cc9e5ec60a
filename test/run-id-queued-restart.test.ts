import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { deleteFileAgent } from './helpers/delete-file-agent.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { createSseReader, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';
import { forcedIds, TAKEN } from './redis/helpers/run-id-collisions.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();
if (unavailable !== undefined) console.warn(unavailable);

/** Short: the restarted instance's scan (every third of it) takes the queued run at once. */
const LEASE_MS = 600;

/*
 * Issue 75, item 11: a queued run's id stays taken when the instance that accepted it is gone
 * and another one (here: the same deployment restarted on its PostgreSQL database, one
 * instance, no shared stores) takes the run over from the queue.
 */
describe.skipIf(unavailable !== undefined)('a queued run’s id after a restart', () => {
  it('is held by the instance that took the run over: a chat there that draws it draws another', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_q' }),
          textTurn('Other run.'),
        ],
      }),
      (server) => server.close(),
    );
    // A database that keeps queued runs; sessions in memory, gone with the first instance.
    const database = { postgres: await createDatabase() };
    const ids = forcedIds();
    // One session secret for both, as a restarted deployment keeps it: the old token is restored.
    const server = { drawRunId: ids.draw, queuedRunLeaseMs: LEASE_MS, jwtSecret: 'ab'.repeat(32) };
    const before = await startGatewayClient(createAgent(deleteFileAgent(upstream.url, database, [], server)));
    const { token } = await before.openSession();
    const waiting = createSseReader(
      await before.chat(token, {
        messages: [{ role: 'user', content: 'delete /tmp/a' }],
        thread_id: 'thr_q',
      }),
    );
    await waiting.nextOfType('tool_approval_request');
    ids.force(TAKEN);
    const queued = await before.post(
      '/runs',
      { message: 'then this', thread_id: 'thr_q', multitask: 'enqueue' },
      { token },
    );
    expect(await jsonOf(queued)).toMatchObject({ run_id: TAKEN, status: 'queued' });
    await before.close();

    const after = cleanup.add(
      await startGatewayClient(createAgent(deleteFileAgent(upstream.url, database, [], server))),
      (client) => client.close(),
    );
    // The owner comes back (her session is restored from its token), and several scans of the
    // queue (every 200 ms) go by: the restarted instance waits with the run, in her session.
    expect((await after.get('/threads', { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const other = await after.openSession();
    ids.force(TAKEN);
    const chat = await readAllSseFrames(
      await after.chat(other.token, { messages: [{ role: 'user', content: 'hello' }], thread_id: 'thr_o' }),
    );
    const chatId = chat.at(-1)?.runId ?? '';
    expect(ids.drawn.at(-2)).toBe(TAKEN);
    expect(chatId).not.toBe(TAKEN);
    expect(textOf(chat)).toBe('Other run.');
    await waitFor(async () => {
      const record = await jsonOf(await after.get(`/runs/${chatId}`, { token: other.token }));
      return record['status'] === 'completed' ? true : undefined;
    });
  });
});
