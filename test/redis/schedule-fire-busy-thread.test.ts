import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
import { sendAs } from '../helpers/send-as.js';
import { createSseReader, textOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { readmeSessionOf, settledRunStatuses, startReadmeDeployment } from './helpers/readme-deployment.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const THREAD = 'thr-scheduled';

type Fire = { status: string; run_id: string };

const firesOf = async (gateway: GatewayClient, token: string, id: string): Promise<Fire[]> =>
  (await jsonOf(await gateway.get(`/schedules/${id}/fires`, { token })))['fires'] as Fire[];

/** A message's text (its text parts joined), or `[parts]` when it has none (a tool call or result). */
const textOfContent = (content: unknown): string => {
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? (content as Array<{ type?: string; text?: string }>) : [];
  const text = parts
    .flatMap((part) => (part.type === 'text' && part.text !== undefined ? [part.text] : []))
    .join('');
  return text === '' ? '[parts]' : text;
};

/** The roles and texts of the thread's messages, in order. */
const messagesOf = async (gateway: GatewayClient, token: string): Promise<string[]> => {
  const body = await jsonOf(await gateway.get(`/threads/${THREAD}`, { token }));
  const messages = body['messages'] as Array<{ role: string; content: unknown }>;
  return messages.map((message) => `${message.role}:${textOfContent(message.content)}`);
};

/*
 * Issue 75 (items 2 and 4, schedules): a schedule that fires on a thread where a run works does
 * not write the thread beside it. docs/protocol.md says such a fire is enqueued: the fire is
 * settled `fired`, its run waits (no model call, no record yet: it waits in the memory of the
 * instance that fired it) while the thread is busy, and runs once the thread is free. The README's setup: `server.store: { redis }`, PostgreSQL, two instances.
 */
describe.skipIf(skipReason !== undefined)('a schedule firing on a busy thread, on the README setup', () => {
  const servers = useRedisAndPostgres();

  it('queues the fire’s run while a chat works in the thread, and runs it once the chat ended', async () => {
    const scheduled = [
      textTurn('Scheduled answer.'),
      textTurn('Scheduled answer.'),
      textTurn('Scheduled answer.'),
    ];
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [
          toolCallTurn('delete_file', { path: '/tmp/t' }, { id: 'toolu_busy' }),
          textTurn('Chat done.'),
          ...scheduled,
        ],
        [...scheduled],
      ],
      server: { schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 } },
    });
    const alice = await readmeSessionOf(a.client, 'alice');
    const chat = createSseReader(
      await a.client.chat(alice, {
        messages: [{ role: 'user', content: 'delete /tmp/t' }],
        thread_id: THREAD,
      }),
    );
    const approval = await chat.nextOfType('tool_approval_request');

    const created = await b.client.post(
      '/schedules',
      { cron: '* * * * * *', message: 'scheduled note', thread_id: THREAD },
      { token: alice },
    );
    expect(created.status).toBe(201);
    const scheduleId = String((await jsonOf(created))['schedule_id']);
    const fires = await waitFor(
      async () => {
        const found = await firesOf(a.client, alice, scheduleId);
        return found.some((fire) => fire.status === 'fired') ? found : undefined;
      },
      { timeoutMs: 20_000, description: 'a fire settled' },
    );
    expect(
      (await sendAs(b.client, 'PATCH', `/schedules/${scheduleId}`, alice, { enabled: false })).status,
    ).toBe(200);

    // Fired, and waiting: none of its runs started, nothing of it reached a model, while the
    // chat holds the thread.
    expect(fires.filter((fire) => fire.status === 'fired').length).toBeGreaterThan(0);
    const threadRuns = (await jsonOf(await b.client.get(`/threads/${THREAD}/runs`, { token: alice })))[
      'runs'
    ];
    expect((threadRuns as Array<{ status: string }>).map((run) => run.status)).toEqual(['running']);
    expect(a.provider.requests.length + b.provider.requests.length).toBe(1);

    const answered = await a.client.post(
      '/chat/tool-approval',
      { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
      { token: alice },
    );
    expect(answered.status).toBe(200);
    expect(textOf(await chat.rest())).toBe('Chat done.');

    // Once the chat ended, every fire's run ran in the thread, after the chat's messages.
    const allFires = (await firesOf(a.client, alice, scheduleId)).filter((fire) => fire.status === 'fired');
    const expected = Array.from({ length: allFires.length + 1 }, () => 'completed');
    const statuses = await waitFor(
      async () => {
        const found = await settledRunStatuses(a.client, alice, THREAD);
        return found.length === expected.length ? found : undefined;
      },
      { timeoutMs: 20_000, description: 'the fires’ runs ran in the thread' },
    );
    expect(statuses).toEqual(expected);
    const messages = await messagesOf(b.client, alice);
    expect(messages.slice(0, 4)).toEqual([
      'user:delete /tmp/t',
      'assistant:[parts]',
      'user:[parts]',
      'assistant:Chat done.',
    ]);
    expect(messages.slice(4)).toEqual(
      allFires.flatMap(() => ['user:scheduled note', 'assistant:Scheduled answer.']),
    );
  });
});
