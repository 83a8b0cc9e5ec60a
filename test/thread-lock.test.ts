import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { createSseReader, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent, type MockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * One run per thread at a time, on one instance: two sessions of one user (a phone and a
 * laptop), or a schedule and its owner, send to one `thread_id` at once. The first run "works"
 * inside a tool that waits for the test to open its gate.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const KEY = 'backend-key';

/** The gate of the `wait_here` tool: calls wait until the test opens it. */
interface Gate {
  calls: number;
  open(): void;
}

async function startThreadAgent(): Promise<MockAgent & { gate: Gate }> {
  let opened: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const gate: Gate = { calls: 0, open: () => opened() };
  const agent = await startMockAgent(cleanup, {
    agent: {
      tools: [
        tool({
          name: 'wait_here',
          description: 'Waits',
          inputSchema: z.object({}),
          execute: async () => {
            gate.calls += 1;
            await waiting;
            return { waited: true };
          },
        }),
      ],
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: await createDatabase() },
        schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
      },
    },
  });
  return { ...agent, gate };
}

/** A session of `user` (each call opens another one: another device of the same person). */
async function sessionOf(gateway: GatewayClient, user: string): Promise<string> {
  return String((await jsonOf(await gateway.post('/chat/init', { api_key: KEY, user })))['session_token']);
}

/** The thread's stored messages, as `GET /threads/:id` answers them. */
async function storedMessages(gateway: GatewayClient, token: string, threadId: string) {
  const thread = await jsonOf(await gateway.get(`/threads/${threadId}`, { token }));
  return thread['messages'] as Array<{
    role: string;
    content: unknown;
    run_id: string;
    interrupted?: boolean;
  }>;
}

/** The thread's run records once none is running. */
async function settledRuns(gateway: GatewayClient, token: string, threadId: string, count: number) {
  return waitFor(async () => {
    const listed = await jsonOf(await gateway.get(`/threads/${threadId}/runs`, { token }));
    const runs = listed['runs'] as Array<{ run_id: string; status: string; outcome_code: string | null }>;
    return runs.length === count && runs.every((run) => run.status !== 'running') ? runs : undefined;
  });
}

/** Starts a run on the thread that waits in `wait_here`; resolves once it waits, with its stream. */
async function startWaitingRun(agent: MockAgent & { gate: Gate }, token: string, threadId: string) {
  const calls = agent.gate.calls;
  const response = await agent.gateway.chat(token, {
    messages: [{ role: 'user', content: 'first' }],
    thread_id: threadId,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  await waitFor(() => (agent.gate.calls > calls ? true : undefined), { description: 'the tool waits' });
  return reader;
}

const texts = (messages: Array<{ content: unknown }>): string[] =>
  messages.map((message) => JSON.stringify(message.content));

describe.skipIf(unavailable !== undefined)('one run per thread at a time (one instance)', () => {
  it('reject: a second session of the same user gets 409 thread_busy, and the thread holds the first turn', async () => {
    const agent = await startThreadAgent();
    agent.upstream.enqueue('anthropic', toolCallTurn('wait_here', {}, { id: 'call_r' }), textTurn('Done.'));
    const phone = await sessionOf(agent.gateway, 'alice');
    const laptop = await sessionOf(agent.gateway, 'alice');
    const first = await startWaitingRun(agent, phone, 'thr-reject');

    const second = await agent.gateway.chat(laptop, {
      messages: [{ role: 'user', content: 'second' }],
      thread_id: 'thr-reject',
      multitask: 'reject',
    });
    expect(second.status).toBe(409);
    expect(await jsonOf(second)).toMatchObject({ code: 'thread_busy' });

    agent.gate.open();
    expect(textOf(await first.until((frame) => frame.event.type === 'stream_complete'))).toBe('Done.');
    const [run] = await settledRuns(agent.gateway, laptop, 'thr-reject', 1);
    expect(run).toMatchObject({ status: 'completed' });
    const messages = await storedMessages(agent.gateway, laptop, 'thr-reject');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages.every((message) => message.run_id === run?.run_id)).toBe(true);
    expect(JSON.stringify(messages)).not.toContain('second');
  });

  it('enqueue: the second session waits its turn, and both turns are in the thread, in order', async () => {
    const agent = await startThreadAgent();
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_e' }),
      textTurn('First done.'),
      textTurn('Second done.'),
    );
    const phone = await sessionOf(agent.gateway, 'alice');
    const laptop = await sessionOf(agent.gateway, 'alice');
    const first = await startWaitingRun(agent, phone, 'thr-enqueue');

    const second = agent.gateway.chat(laptop, {
      messages: [{ role: 'user', content: 'second' }],
      thread_id: 'thr-enqueue',
      multitask: 'enqueue',
    });
    agent.gate.open();
    expect(textOf(await first.until((frame) => frame.event.type === 'stream_complete'))).toBe('First done.');
    const answered = await second;
    expect(answered.status).toBe(200);
    expect(textOf(await readAllSseFrames(answered))).toBe('Second done.');

    const runs = await settledRuns(agent.gateway, laptop, 'thr-enqueue', 2);
    expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
    const messages = await storedMessages(agent.gateway, laptop, 'thr-enqueue');
    expect(texts(messages)).toEqual([
      '"first"',
      expect.stringContaining('wait_here'),
      expect.stringContaining('tool_result'),
      expect.stringContaining('First done.'),
      '"second"',
      expect.stringContaining('Second done.'),
    ]);
    // The second run's model request held the first run's whole turn.
    const sent = JSON.stringify(agent.upstream.requests.at(-1)?.body);
    expect(sent).toContain('First done.');
  });

  it('a busy thread of another owner answers 404, as a missing one does', async () => {
    const agent = await startThreadAgent();
    agent.upstream.enqueue('anthropic', toolCallTurn('wait_here', {}, { id: 'call_o' }), textTurn('Done.'));
    const alice = await sessionOf(agent.gateway, 'alice');
    const mallory = await sessionOf(agent.gateway, 'mallory');
    const first = await startWaitingRun(agent, alice, 'thr-owned');
    const foreign = await agent.gateway.chat(mallory, {
      messages: [{ role: 'user', content: 'let me in' }],
      thread_id: 'thr-owned',
    });
    expect(foreign.status).toBe(404);
    agent.gate.open();
    await first.until((frame) => frame.event.type === 'stream_complete');
  });

  it('interrupt from another session cancels the run working in the thread and starts the new one', async () => {
    const agent = await startThreadAgent();
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_x' }),
      textTurn('New plan.'),
    );
    const phone = await sessionOf(agent.gateway, 'alice');
    const laptop = await sessionOf(agent.gateway, 'alice');
    const first = await startWaitingRun(agent, phone, 'thr-cross-interrupt');
    const second = await agent.gateway.chat(laptop, {
      messages: [{ role: 'user', content: 'never mind' }],
      thread_id: 'thr-cross-interrupt',
      multitask: 'interrupt',
    });
    expect(second.status).toBe(200);
    expect(textOf(await readAllSseFrames(second))).toBe('New plan.');
    await first.until((frame) => frame.event.type === 'error');
    const runs = await settledRuns(agent.gateway, laptop, 'thr-cross-interrupt', 2);
    expect(runs.map((run) => run.status).sort()).toEqual(['cancelled', 'completed']);
    agent.gate.open();
  });

  it('interrupt keeps the partial answer in the thread, marked as interrupted, and the next request sees it', async () => {
    const agent = await startThreadAgent();
    // The first answer streams two words, then the model goes quiet: the user interrupts.
    agent.upstream.enqueue(
      'anthropic',
      textTurn('Once upon a time there was', { stallAfterEvents: 4 }),
      textTurn('Sure, a short one.'),
    );
    const token = await sessionOf(agent.gateway, 'alice');
    const first = createSseReader(
      await agent.gateway.chat(token, {
        messages: [{ role: 'user', content: 'tell me a long story' }],
        thread_id: 'thr-partial',
      }),
    );
    const partial = await first.nextOfType('text_delta');
    const second = await agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'make it short' }],
      thread_id: 'thr-partial',
      multitask: 'interrupt',
    });
    expect(second.status).toBe(200);
    expect(textOf(await readAllSseFrames(second))).toBe('Sure, a short one.');
    const streamed = textOf(first.frames);
    expect(streamed.startsWith(partial.text)).toBe(true);

    const messages = await storedMessages(agent.gateway, token, 'thr-partial');
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[1]).toMatchObject({ interrupted: true, content: [{ type: 'text', text: streamed }] });
    expect(messages[3]?.interrupted).toBeUndefined();
    // The model was sent what it had said before the stop.
    const sent = (agent.upstream.requests.at(-1)?.body as { messages: unknown[] }).messages;
    expect(JSON.stringify(sent[1])).toContain(streamed);
    expect(JSON.stringify(sent[1])).not.toContain('interrupted');
  });

  it('a schedule that fires on a busy thread waits its turn', async () => {
    const agent = await startThreadAgent();
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_s' }),
      textTurn('Owner done.'),
      ...Array.from({ length: 4 }, () => textTurn('Tock.')),
    );
    const token = await sessionOf(agent.gateway, 'alice');
    const first = await startWaitingRun(agent, token, 'thr-scheduled');
    const created = await jsonOf(
      await agent.gateway.post(
        '/schedules',
        { cron: '* * * * * *', message: 'Tick', thread_id: 'thr-scheduled' },
        { token },
      ),
    );
    const scheduleId = String(created['schedule_id']);
    // A fire is claimed while the owner's run works, and waits.
    await waitFor(
      async () => {
        const fires = await jsonOf(await agent.gateway.get(`/schedules/${scheduleId}/fires`, { token }));
        return (fires['fires'] as unknown[]).length > 0 ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
    await fetch(`${agent.gateway.baseUrl}/schedules/${scheduleId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    agent.gate.open();
    expect(textOf(await first.until((frame) => frame.event.type === 'stream_complete'))).toBe('Owner done.');
    const messages = await waitFor(async () => {
      const stored = await storedMessages(agent.gateway, token, 'thr-scheduled');
      return stored.some((message) => message.content === 'Tick') &&
        JSON.stringify(stored.at(-1)).includes('Tock.')
        ? stored
        : undefined;
    });
    // The owner's turn whole, then each fire's turn after it.
    expect(texts(messages.slice(0, 4))).toEqual([
      '"first"',
      expect.stringContaining('wait_here'),
      expect.stringContaining('tool_result'),
      expect.stringContaining('Owner done.'),
    ]);
    const rest = messages.slice(4);
    expect(rest.length % 2).toBe(0);
    rest.forEach((message, index) => expect(message.role).toBe(index % 2 === 0 ? 'user' : 'assistant'));
  });
});
