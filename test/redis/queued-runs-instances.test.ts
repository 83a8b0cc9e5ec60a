import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { createSseReader } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { openThreadStore } from '../../src/database/sql/open-thread-store.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Short, so that a closed instance's queued runs are taken over within the test. */
const LEASE_MS = 600;

/** The text of the last user message of a model request. */
const lastUserText = (messages: readonly { role: string; content: unknown }[] | undefined): string =>
  JSON.stringify(messages?.filter((message) => message.role === 'user').at(-1)?.content ?? null);

/*
 * `multitask: 'enqueue'` on `POST /runs` with a database: the queued run is kept in PostgreSQL
 * (sessions and runs are shared through Redis), so it outlives the instance that accepted it.
 */
describe.skipIf(skipReason !== undefined)('queued runs kept in the database across instances', () => {
  const servers = useRedisAndPostgres();

  const startTwo = async (turns: Parameters<typeof startRedisGateways>[1]['turns']) => {
    const database = await servers.postgres.createDatabase();
    const [a, b] = await startRedisGateways(cleanup, {
      url: servers.redis.url,
      turns,
      server: { database: { postgres: database }, queuedRunLeaseMs: LEASE_MS },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    // The session's run waits on A for an approval: the session is busy.
    const onA = createSseReader(await a.client.chat(session.token, 'delete /tmp/q'));
    const approval = await onA.nextOfType('tool_approval_request');
    return { a, b, session, approval, database };
  };

  it('runs the queued runs of an instance that closed on another one, once each and in order', async () => {
    const { a, b, session } = await startTwo([
      [toolCallTurn('delete_file', { path: '/tmp/q' }, { id: 'toolu_q' })],
      [textTurn('Second done.'), textTurn('Third done.')],
    ]);
    const enqueue = async (message: string): Promise<string> => {
      const response = await a.client.post(
        '/runs',
        { message, multitask: 'enqueue' },
        { token: session.token },
      );
      expect(response.status).toBe(202);
      const body = await jsonOf(response);
      expect(body['status']).toBe('queued');
      return String(body['run_id']);
    };
    const second = await enqueue('second');
    const third = await enqueue('third');
    const shown = await jsonOf(await b.client.get(`/runs/${second}`, { token: session.token }));
    expect(shown).toMatchObject({ run_id: second, status: 'queued', multitask_strategy: 'enqueue' });

    // A dies (closes: its waits stop renewing their claims, and its run is cancelled).
    await a.client.close();
    const statusOf = async (runId: string): Promise<unknown> =>
      (await jsonOf(await b.client.get(`/runs/${runId}`, { token: session.token })))['status'];
    await waitFor(async () => ((await statusOf(third)) === 'completed' ? true : undefined), {
      timeoutMs: 30_000,
      description: 'B ran both queued runs',
    });
    expect(await statusOf(second)).toBe('completed');
    expect(b.provider.requests.map((request) => lastUserText(request.messages))).toEqual([
      '"second"',
      '"third"',
    ]);
    expect(a.provider.requests).toHaveLength(1);
    const listed = await jsonOf(await b.client.get('/runs', { token: session.token }));
    const ids = (listed['runs'] as { run_id: string }[]).map((run) => run.run_id);
    expect(ids.filter((id) => id === second)).toHaveLength(1);
    expect(ids.filter((id) => id === third)).toHaveLength(1);
  });

  it('cancels a queued run: it leaves the queue and never runs, and the next one still does', async () => {
    const { a, b, session, approval } = await startTwo([
      [
        toolCallTurn('delete_file', { path: '/tmp/q' }, { id: 'toolu_c' }),
        textTurn('Deleted.'),
        textTurn('Later done.'),
      ],
      [],
    ]);
    const queued = await jsonOf(
      await a.client.post('/runs', { message: 'never', multitask: 'enqueue' }, { token: session.token }),
    );
    const runId = String(queued['run_id']);
    expect(queued['status']).toBe('queued');
    const cancelled = await b.client.post(`/runs/${runId}/cancel`, {}, { token: session.token });
    expect(cancelled.status).toBe(200);
    expect(await jsonOf(cancelled)).toEqual({ run_id: runId, status: 'cancelled' });
    expect((await b.client.get(`/runs/${runId}`, { token: session.token })).status).toBe(404);
    expect((await b.client.post(`/runs/${runId}/cancel`, {}, { token: session.token })).status).toBe(404);

    const later = await jsonOf(
      await a.client.post('/runs', { message: 'later', multitask: 'enqueue' }, { token: session.token }),
    );
    const approved = await a.client.post(
      '/chat/tool-approval',
      { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
      { token: session.token },
    );
    expect(approved.status).toBe(200);
    await waitFor(
      async () => {
        const run = await jsonOf(
          await a.client.get(`/runs/${String(later['run_id'])}`, { token: session.token }),
        );
        return run['status'] === 'completed' ? true : undefined;
      },
      { timeoutMs: 30_000, description: 'the later queued run ran' },
    );
    const asked = [...a.provider.requests, ...b.provider.requests].map((sent) => lastUserText(sent.messages));
    expect(asked).toContain('"later"');
    expect(asked).not.toContain('"never"');
  });

  it('drops a queued run whose session is gone by the time another instance takes it', async () => {
    const { a, b, session, database } = await startTwo([
      [toolCallTurn('delete_file', { path: '/tmp/q' }, { id: 'toolu_g' })],
      [textTurn('Never sent.')],
    ]);
    const queued = await jsonOf(
      await a.client.post('/runs', { message: 'orphan', multitask: 'enqueue' }, { token: session.token }),
    );
    expect(queued['status']).toBe('queued');
    const store = cleanup.add(await openThreadStore({ postgres: database }), (opened) => opened.close());
    expect((await store.queuedRuns?.listForSession(session.sessionId))?.length).toBe(1);
    await b.stores.sessions.delete(session.sessionId);
    await a.client.close();
    await waitFor(
      async () =>
        (await store.queuedRuns?.listForSession(session.sessionId))?.length === 0 ? true : undefined,
      { timeoutMs: 30_000, description: 'B dropped the queued run' },
    );
    expect(b.provider.requests).toHaveLength(0);
  });
});
