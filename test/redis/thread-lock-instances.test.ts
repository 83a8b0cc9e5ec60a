import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
import { createSseReader, readAllSseFrames, textOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const KEY = 'backend-key';

/** A session of `user` on an instance (each call opens another one: another device). */
async function sessionOf(gateway: GatewayClient, user: string): Promise<{ token: string }> {
  return {
    token: String((await jsonOf(await gateway.post('/chat/init', { api_key: KEY, user })))['session_token']),
  };
}

/** The thread's stored messages and its run records once none is running. */
async function settledThread(gateway: GatewayClient, token: string, threadId: string, runCount: number) {
  const runs = await waitFor(async () => {
    const listed = await jsonOf(await gateway.get(`/threads/${threadId}/runs`, { token }));
    const found = listed['runs'] as Array<{ run_id: string; status: string }>;
    return found.length === runCount && found.every((run) => run.status !== 'running') ? found : undefined;
  });
  const thread = await jsonOf(await gateway.get(`/threads/${threadId}`, { token }));
  const messages = thread['messages'] as Array<{ role: string; content: unknown; run_id: string }>;
  return { runs, messages };
}

/*
 * Two sessions of one user (a phone and a laptop) send to one thread at once, through two
 * instances sharing Redis and PostgreSQL: the thread's lock is in Redis.
 */
describe.skipIf(skipReason !== undefined)('one run per thread at a time across two instances', () => {
  const servers = useRedisAndPostgres();

  /** Two instances; the phone's run on A waits for an approval in thread `threadId`. */
  const startBusyThread = async (threadId: string, turnsOfB: Parameters<typeof textTurn>[0][]) => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: servers.redis.url,
      turns: [
        [toolCallTurn('delete_file', { path: '/tmp/t' }, { id: 'toolu_t' }), textTurn('Phone done.')],
        turnsOfB.map((text) => textTurn(text)),
      ],
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: await servers.postgres.createDatabase() },
      },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const phone = await sessionOf(a.client, 'alice');
    const laptop = await sessionOf(b.client, 'alice');
    const onA = createSseReader(
      await a.client.chat(phone.token, {
        messages: [{ role: 'user', content: 'first' }],
        thread_id: threadId,
      }),
    );
    const approval = await onA.nextOfType('tool_approval_request');
    const approve = async (): Promise<void> => {
      const answered = await a.client.post(
        '/chat/tool-approval',
        { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
        { token: phone.token },
      );
      expect(answered.status).toBe(200);
    };
    return { a, b, phone, laptop, onA, approve };
  };

  it('reject: the laptop on B gets 409 thread_busy, and the thread holds the phone’s turn', async () => {
    const { a, b, laptop, onA, approve } = await startBusyThread('thr-x-reject', []);
    const second = await b.client.chat(laptop.token, {
      messages: [{ role: 'user', content: 'second' }],
      thread_id: 'thr-x-reject',
      multitask: 'reject',
    });
    expect(second.status).toBe(409);
    expect(await jsonOf(second)).toMatchObject({ code: 'thread_busy' });
    await approve();
    expect(textOf(await onA.rest())).toBe('Phone done.');
    const { runs, messages } = await settledThread(a.client, laptop.token, 'thr-x-reject', 1);
    expect(runs[0]?.status).toBe('completed');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(JSON.stringify(messages)).not.toContain('second');
    expect(b.provider.requests).toHaveLength(0);
  });

  it('enqueue: the laptop’s turn on B waits for the phone’s, and both are in the thread, in order', async () => {
    const { b, laptop, onA, approve } = await startBusyThread('thr-x-enqueue', ['Laptop done.']);
    const second = b.client.chat(laptop.token, {
      messages: [{ role: 'user', content: 'second' }],
      thread_id: 'thr-x-enqueue',
      multitask: 'enqueue',
    });
    await approve();
    expect(textOf(await onA.rest())).toBe('Phone done.');
    const answered = await second;
    expect(answered.status).toBe(200);
    expect(textOf(await readAllSseFrames(answered))).toBe('Laptop done.');

    const { runs, messages } = await settledThread(b.client, laptop.token, 'thr-x-enqueue', 2);
    expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
    expect(messages.map((message) => JSON.stringify(message.content))).toEqual([
      '"first"',
      expect.stringContaining('delete_file'),
      expect.stringContaining('tool_result'),
      expect.stringContaining('Phone done.'),
      '"second"',
      expect.stringContaining('Laptop done.'),
    ]);
    // B's model request held the phone's whole turn, read from the database after it was written.
    expect(JSON.stringify(b.provider.requests[0]?.messages)).toContain('Phone done.');
  });
});
