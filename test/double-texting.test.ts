import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { createSseReader, eventsOfType, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent, type MockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * Double texting over real HTTP, one gateway (PostgreSQL) for the whole file: a user who sends
 * a message while the session's run works, with each `multitask` strategy. The run "works"
 * inside a tool that waits for the test to open its gate.
 */

const cleanup = createCleanupStack();
const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);
let postgres: PostgresServer | undefined;
let agent: MockAgent;

/** The gate of the `wait_here` tool: calls wait until the test opens it. */
let openGate: () => void = () => undefined;
let gateCalls = 0;
const closeGate = (): void => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  gate = opened;
  openGate = open;
};
let gate: Promise<void> = Promise.resolve();

beforeAll(async () => {
  if (unavailable !== undefined) return;
  postgres = await startPostgresServer();
  agent = await startMockAgent(cleanup, {
    agent: {
      tools: [
        tool({
          name: 'wait_here',
          description: 'Waits',
          inputSchema: z.object({}),
          execute: async () => {
            gateCalls += 1;
            await gate;
            return { waited: true };
          },
        }),
      ],
      server: { database: { postgres: await postgres.createDatabase() } },
    },
  });
}, 60_000);
afterAll(async () => {
  await cleanup.run();
  await postgres?.destroy();
});

type Body = { role: string; content: unknown }[];
/** The messages of the upstream request `index` (Anthropic wire format). */
const upstreamMessages = (index: number): Body =>
  (agent.upstream.requests[index]?.body as { messages?: Body } | undefined)?.messages ?? [];

/** Every `tool_use` id of a request is answered by a `tool_result` in the next message. */
const everyToolCallAnswered = (messages: Body): boolean =>
  messages.every((message, index) => {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) return true;
    const calls = (message.content as Array<{ type: string; id?: string }>).filter(
      (b) => b.type === 'tool_use',
    );
    const next = messages[index + 1]?.content;
    const answered = Array.isArray(next)
      ? (next as Array<{ type: string; tool_use_id?: string }>).map((block) => block.tool_use_id)
      : [];
    return calls.every((call) => answered.includes(call.id));
  });

/** Starts a chat whose run calls `wait_here`; resolves once the tool waits, with its stream. */
async function startWaitingRun(token: string, message: string, threadId?: string) {
  closeGate();
  const calls = gateCalls;
  const response = await agent.gateway.chat(token, {
    messages: [{ role: 'user', content: message }],
    ...(threadId === undefined ? {} : { thread_id: threadId }),
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  await waitFor(() => (gateCalls > calls ? true : undefined), { description: 'the tool waits' });
  return reader;
}

const storedContents = async (token: string, threadId: string): Promise<unknown[]> => {
  const thread = await jsonOf(await agent.gateway.get(`/threads/${threadId}`, { token }));
  return (thread['messages'] as Array<{ content: unknown }>).map((message) => message.content);
};

describe.skipIf(unavailable !== undefined)('double texting: multitask on POST /chat and POST /runs', () => {
  it('reject (the default) answers 409 and leaves the run alone', async () => {
    agent.upstream.enqueue('anthropic', toolCallTurn('wait_here', {}, { id: 'call_r' }), textTurn('Done.'));
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, 'first');
    const second = await agent.gateway.chat(token, 'second');
    expect(second.status).toBe(409);
    openGate();
    const frames = await first.until((frame) => frame.event.type === 'stream_complete');
    expect(textOf(frames)).toBe('Done.');
  });

  it('steer puts the message into the running run before its next model call', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_s' }),
      textTurn('Bergen it is.'),
    );
    const { token } = await agent.gateway.openSession();
    const requestsBefore = agent.upstream.requests.length;
    const first = await startWaitingRun(token, 'Weather in Oslo?', 'thr-steer');
    const steered = await agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'Bergen instead' }],
      thread_id: 'thr-steer',
      multitask: 'steer',
    });
    const answer = await jsonOf(steered);
    expect(steered.status).toBe(202);
    expect(answer).toMatchObject({ status: 'steered' });
    openGate();
    const frames = await first.until((frame) => frame.event.type === 'stream_complete');
    expect(eventsOfType(frames, 'steering_message')).toEqual([
      { type: 'steering_message', content: 'Bergen instead' },
    ]);
    const last = upstreamMessages(requestsBefore + 1).at(-1);
    expect(last?.role).toBe('user');
    expect(JSON.stringify(last?.content)).toContain('Bergen instead');
    expect(JSON.stringify(last?.content)).toContain('tool_result');
    await waitFor(async () =>
      JSON.stringify(await storedContents(token, 'thr-steer')).includes('Bergen it is.') ? true : undefined,
    );
    expect(JSON.stringify(await storedContents(token, 'thr-steer'))).toContain('Bergen instead');
  });

  it('interrupt cancels the run, keeps what it wrote, and the next request is one the provider accepts', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_i' }),
      textTurn('Second answer.'),
    );
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, 'first question', 'thr-interrupt');
    const requestsBefore = agent.upstream.requests.length;
    const second = await agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'second question' }],
      thread_id: 'thr-interrupt',
      multitask: 'interrupt',
    });
    expect(second.status).toBe(200);
    const frames = await readAllSseFrames(second);
    expect(textOf(frames)).toBe('Second answer.');
    await first.until((frame) => frame.event.type === 'error');
    const sent = upstreamMessages(requestsBefore);
    expect(JSON.stringify(sent)).toContain('first question');
    expect(everyToolCallAnswered(sent)).toBe(true);
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'second question' });
    // The run records say how each message was taken, and which run the second one cancelled.
    const runs = await waitFor(async () => {
      const listed = await jsonOf(await agent.gateway.get('/threads/thr-interrupt/runs', { token }));
      const found = listed['runs'] as Array<Record<string, unknown>>;
      return found.length === 2 && found.every((run) => run['status'] !== 'running') ? found : undefined;
    });
    const interrupted = runs.find((run) => run['status'] === 'cancelled');
    const newer = await jsonOf(
      await agent.gateway.get(`/runs/${String(runs.find((run) => run !== interrupted)?.['run_id'])}`, {
        token,
      }),
    );
    expect(newer).toMatchObject({
      multitask_strategy: 'interrupt',
      interrupted_run_id: interrupted?.['run_id'],
    });
    openGate();
  });

  it('rollback cancels the run and drops its messages from the thread', async () => {
    agent.upstream.enqueue('anthropic', textTurn('Kept.'));
    const { token } = await agent.gateway.openSession();
    const kept = await agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'keep me' }],
      thread_id: 'thr-rollback',
    });
    await readAllSseFrames(kept);
    await waitFor(async () =>
      (await storedContents(token, 'thr-rollback')).length === 2 ? true : undefined,
    );

    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_b' }),
      textTurn('Fresh answer.'),
    );
    await startWaitingRun(token, 'drop me', 'thr-rollback');
    const requestsBefore = agent.upstream.requests.length;
    const second = await agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'instead' }],
      thread_id: 'thr-rollback',
      multitask: 'rollback',
    });
    expect(second.status).toBe(200);
    expect(textOf(await readAllSseFrames(second))).toBe('Fresh answer.');
    const sent = upstreamMessages(requestsBefore);
    expect(JSON.stringify(sent)).not.toContain('drop me');
    expect(everyToolCallAnswered(sent)).toBe(true);
    await waitFor(async () =>
      (await storedContents(token, 'thr-rollback')).length === 4 ? true : undefined,
    );
    expect(await storedContents(token, 'thr-rollback')).toEqual([
      'keep me',
      [{ type: 'text', text: 'Kept.' }],
      'instead',
      [{ type: 'text', text: 'Fresh answer.' }],
    ]);
    openGate();
  });

  it('enqueue stops waiting when its client leaves: the queued message never runs', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_l' }),
      textTurn('Only me.'),
    );
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, 'first', 'thr-leave');
    const leave = new AbortController();
    const queued = agent.gateway
      .chat(
        token,
        { messages: [{ role: 'user', content: 'abandoned' }], thread_id: 'thr-leave', multitask: 'enqueue' },
        { signal: leave.signal },
      )
      .catch((error: unknown) => error);
    leave.abort();
    await queued;
    openGate();
    await first.until((frame) => frame.event.type === 'stream_complete');
    agent.upstream.enqueue('anthropic', textTurn('Next.'));
    const next = await agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'next' }],
      thread_id: 'thr-leave',
    });
    expect(next.status).toBe(200);
    expect(textOf(await readAllSseFrames(next))).toBe('Next.');
    expect(JSON.stringify(await storedContents(token, 'thr-leave'))).not.toContain('abandoned');
  });

  it('enqueue runs the message after the current run, on /chat and on /runs', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_q' }),
      textTurn('First done.'),
      textTurn('Second done.'),
      textTurn('Third done.'),
    );
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, 'one', 'thr-queue');
    const queuedChat = agent.gateway.chat(token, {
      messages: [{ role: 'user', content: 'two' }],
      thread_id: 'thr-queue',
      multitask: 'enqueue',
    });
    // The chat request waits while the first run works; the background one is answered at once.
    await waitFor(() => (agent.upstream.requests.length > 0 ? true : undefined));
    openGate();
    await first.until((frame) => frame.event.type === 'stream_complete');
    const second = await queuedChat;
    expect(second.status).toBe(200);
    expect(textOf(await readAllSseFrames(second))).toBe('Second done.');

    closeGate();
    const third = await agent.gateway.post(
      '/runs',
      { message: 'three', thread_id: 'thr-queue', multitask: 'enqueue' },
      { token },
    );
    const started = await jsonOf(third);
    expect(third.status).toBe(202);
    expect(['queued', 'running']).toContain(started['status']);
    await waitFor(
      async () =>
        JSON.stringify(await storedContents(token, 'thr-queue')).includes('Third done.') ? true : undefined,
      { description: 'the queued background run ran' },
    );
    const stored = JSON.stringify(await storedContents(token, 'thr-queue'));
    const order = ['"one"', 'First done.', '"two"', 'Second done.', '"three"', 'Third done.'].map((text) =>
      stored.indexOf(text),
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    openGate();
  });

  it('lists a run enqueued on /runs with status=queued while it waits, and as a run record once it ran', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: 'call_l' }),
      textTurn('Busy done.'),
      textTurn('Queued done.'),
    );
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, 'busy', 'thr-listed');
    const accepted = await agent.gateway.post(
      '/runs',
      { message: 'later', thread_id: 'thr-listed', multitask: 'enqueue' },
      { token },
    );
    const { run_id: runId, status } = await jsonOf(accepted);
    expect(accepted.status).toBe(202);
    expect(status).toBe('queued');
    const queued = await jsonOf(
      await agent.gateway.get('/runs?status=queued&thread_id=thr-listed', { token }),
    );
    expect(queued).toMatchObject({ runs: [{ run_id: runId, thread_id: 'thr-listed', status: 'queued' }] });
    expect(queued['next_cursor']).toBeNull();
    // Another session (of no user: another owner) sees nothing of it, nor does another thread.
    const stranger = (await agent.gateway.openSession()).token;
    expect(await jsonOf(await agent.gateway.get('/runs?status=queued', { token: stranger }))).toEqual({
      runs: [],
      next_cursor: null,
    });
    expect(
      (await jsonOf(await agent.gateway.get('/runs?status=queued&thread_id=thr-other', { token })))['runs'],
    ).toEqual([]);

    openGate();
    await first.until((frame) => frame.event.type === 'stream_complete');
    await waitFor(
      async () => {
        const run = await jsonOf(await agent.gateway.get(`/runs/${String(runId)}`, { token }));
        return run['status'] === 'completed' ? true : undefined;
      },
      { description: 'the queued run ran' },
    );
    expect((await jsonOf(await agent.gateway.get('/runs?status=queued', { token })))['runs']).toEqual([]);
    const completed = await jsonOf(
      await agent.gateway.get('/runs?status=completed&thread_id=thr-listed', { token }),
    );
    expect((completed['runs'] as Array<{ run_id: string }>).map((run) => run.run_id)).toContain(runId);
  });

  it('refuses an enqueued run whose model is outside the allow-list at once, queuing nothing', async () => {
    agent.upstream.enqueue('anthropic', toolCallTurn('wait_here', {}, { id: 'call_m' }), textTurn('Done.'));
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, 'busy', 'thr-model');
    const refused = await agent.gateway.post(
      '/runs',
      { message: 'later', thread_id: 'thr-model', multitask: 'enqueue', model: 'claude-opus-4-6' },
      { token },
    );
    expect(refused.status).toBe(400);
    expect(await jsonOf(refused)).toEqual({
      detail: expect.stringMatching(/^Invalid model: claude-opus-4-6 \(allowed: /) as string,
    });
    expect(await jsonOf(await agent.gateway.get('/runs?status=queued', { token }))).toEqual({
      runs: [],
      next_cursor: null,
    });
    openGate();
    await first.until((frame) => frame.event.type === 'stream_complete');
  });
});
