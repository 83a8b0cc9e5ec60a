import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError, GatewayErrorCode } from '../src/core/errors.js';
import type { ThreadStore } from '../src/core/thread-store.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createGatedTool } from './helpers/gated-tool.js';
import { jsonOf } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * A `/runs` run enqueued behind its session's run reads its thread when its turn comes. Should
 * that read fail because the database does not answer, the run must stay in the database's
 * queue and start later, not vanish: it was answered `queued`, with its id, already.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

describe.skipIf(unavailable !== undefined)('a queued run whose thread read fails', () => {
  it('stays queued while the database does not answer, and starts once its claim lapsed', async () => {
    const store = cleanup.add(await openThreadStore({ postgres: await createDatabase() }), (each) =>
      each.close(),
    );
    // The store as the gateway sees it, with one thread read that fails when armed.
    let failNextRead = false;
    let failedReads = 0;
    const flaky: ThreadStore = Object.create(store) as ThreadStore;
    const readTurn = store.loadThreadTurn?.bind(store);
    if (readTurn === undefined) throw new Error('the SQL store reads a thread turn in one call');
    flaky.loadThreadTurn = async (owner, threadId) => {
      if (failNextRead) {
        failNextRead = false;
        failedReads += 1;
        throw new GatewayError(GatewayErrorCode.StoreUnavailable, 'the database does not answer');
      }
      return readTurn(owner, threadId);
    };
    const gated = createGatedTool();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('wait_here', {}, { id: 'call_w' }),
        textTurn('Busy done.'),
        textTurn('Later done.'),
      ],
      agent: {
        tools: [gated.tool],
        server: { database: flaky, queuedRunLeaseMs: 600 },
      },
    });
    const { token } = await gateway.openSession();
    const busy = await gateway.post('/runs', { message: 'busy', thread_id: 'thr-flaky' }, { token });
    expect(busy.status).toBe(202);
    await waitFor(() => (gated.calls > 0 ? true : undefined), { description: 'the first run works' });
    const queued = await gateway.post(
      '/runs',
      { message: 'later', thread_id: 'thr-flaky', multitask: 'enqueue' },
      { token },
    );
    const { run_id: runId, status } = await jsonOf(queued);
    expect(status).toBe('queued');

    failNextRead = true;
    gated.open();
    const ran = await waitFor(
      async () => {
        const run = await jsonOf(await gateway.get(`/runs/${String(runId)}`, { token }));
        return run['status'] === 'completed' ? run : undefined;
      },
      { description: 'the queued run ran', timeoutMs: 15_000 },
    );
    expect(failedReads).toBe(1);
    expect(ran).toMatchObject({ run_id: runId, thread_id: 'thr-flaky', multitask_strategy: 'enqueue' });
    const thread = await jsonOf(await gateway.get('/threads/thr-flaky', { token }));
    const contents = (thread['messages'] as Array<{ content: unknown }>).map((message) => message.content);
    expect(contents).toContain('later');
  });
});
