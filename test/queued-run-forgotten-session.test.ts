import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { deleteFileAgent } from './helpers/delete-file-agent.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { createSseReader } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();
if (unavailable !== undefined) console.warn(unavailable);

/** Short: the restarted instance's scan (every third of it) takes the queued run at once. */
const LEASE_MS = 600;

/*
 * A deployment on PostgreSQL with sessions in memory: a restart forgets every session, and a
 * queued run whose owner does not come back starts in a stand-in session of the same owner.
 * The queue keeps the run under the session it was queued in, so that is where its turn is read.
 */
describe.skipIf(unavailable !== undefined)('a queued run whose session a restart forgot', () => {
  it('starts in a stand-in session of its owner without the owner coming back', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({
        anthropic: [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_f' }),
          textTurn('Queued done.'),
        ],
      }),
      (server) => server.close(),
    );
    const database = { postgres: await createDatabase() };
    // The approval lapses after the restart: the suspended run ends and frees the session.
    const server = { queuedRunLeaseMs: LEASE_MS, approvalTimeoutMs: 3_000, jwtSecret: 'cd'.repeat(32) };
    const before = await startGatewayClient(createAgent(deleteFileAgent(upstream.url, database, [], server)));
    const { token } = await before.openSession();
    const waiting = createSseReader(
      await before.chat(token, {
        messages: [{ role: 'user', content: 'delete /tmp/a' }],
        thread_id: 'thr_f',
      }),
    );
    await waiting.nextOfType('tool_approval_request');
    const queued = await before.post(
      '/runs',
      { message: 'then this', thread_id: 'thr_f', multitask: 'enqueue' },
      { token },
    );
    expect(await jsonOf(queued)).toMatchObject({ status: 'queued' });
    await before.close();

    cleanup.add(
      await startGatewayClient(createAgent(deleteFileAgent(upstream.url, database, [], server))),
      (client) => client.close(),
    );
    // Nobody opens a session or sends the old token: once the approval lapsed, the scan alone
    // must start the run.
    await waitFor(
      () =>
        upstream.requests.some((request) => JSON.stringify(request.body).includes('then this'))
          ? true
          : undefined,
      { timeoutMs: 15_000 },
    );
  });
});
