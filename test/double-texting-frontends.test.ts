import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent, type MockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * Double texting from the frontends: `multitask` in a `useChat` body (`POST /ui/chat`) and in
 * AG-UI's `forwardedProps` (`POST /ag-ui`), on a gateway that keeps its threads. The session's
 * run "works" inside a tool that waits for the test to open its gate.
 */

const cleanup = createCleanupStack();
let agent: MockAgent;
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
let gateCalls = 0;
const closeGate = (): void => {
  gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
};

beforeAll(async () => {
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
      server: { database: createMemoryThreadStore() },
    },
  });
});
afterAll(() => cleanup.run());

/** How each frontend sends a new user message with a `multitask` strategy. */
const frontends = {
  useChat: (token: string, chatId: string, text: string, multitask?: string) =>
    agent.gateway.post(
      '/ui/chat',
      {
        id: chatId,
        messages: [{ id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] }],
        trigger: 'submit-message',
        ...(multitask === undefined ? {} : { multitask }),
      },
      { token },
    ),
  agUi: (token: string, threadId: string, text: string, multitask?: string) =>
    agent.gateway.post(
      '/ag-ui',
      {
        threadId,
        runId: crypto.randomUUID(),
        messages: [{ id: crypto.randomUUID(), role: 'user', content: text }],
        tools: [],
        context: [],
        ...(multitask === undefined ? {} : { forwardedProps: { multitask } }),
      },
      { token },
    ),
};

/** Starts a run on `threadId` (`POST /chat`) that waits in `wait_here`; resolves its stream. */
async function startWaitingRun(token: string, threadId: string, text: string) {
  closeGate();
  const calls = gateCalls;
  const response = await agent.gateway.chat(token, {
    messages: [{ role: 'user', content: text }],
    thread_id: threadId,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  await waitFor(() => (gateCalls > calls ? true : undefined), { description: 'the tool waits' });
  return reader;
}

/** The text a frontend stream carries: its text deltas (both protocols name them `delta`), joined. */
const streamedText = async (response: Response): Promise<string> =>
  [...(await response.text()).matchAll(/^data: (\{.*)$/gm)]
    .map((match) => JSON.parse(match[1] ?? 'null') as { delta?: unknown } | null)
    .map((chunk) => (typeof chunk?.delta === 'string' ? chunk.delta : ''))
    .join('');

const storedText = async (token: string, threadId: string): Promise<string> =>
  JSON.stringify((await jsonOf(await agent.gateway.get(`/threads/${threadId}`, { token })))['messages']);

describe.each(Object.entries(frontends))('double texting on %s', (name, send) => {
  it('reject (the default) answers 409 and leaves the run alone', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: `r_${name}` }),
      textTurn('Done.'),
    );
    const { token } = await agent.gateway.openSession();
    const first = await startWaitingRun(token, `${name}-reject`, 'first');
    const second = await send(token, `${name}-reject`, 'second');
    expect(second.status).toBe(409);
    openGate();
    await first.until((frame) => frame.event.type === 'stream_complete');
  });

  it('enqueue answers once the current run ended, with the history that run left', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: `q_${name}` }),
      textTurn('First done.'),
      textTurn('Second done.'),
    );
    const { token } = await agent.gateway.openSession();
    const threadId = `${name}-enqueue`;
    const first = await startWaitingRun(token, threadId, 'one');
    const queued = send(token, threadId, 'two', 'enqueue');
    openGate();
    await first.until((frame) => frame.event.type === 'stream_complete');
    const second = await queued;
    expect(second.status).toBe(200);
    expect(await streamedText(second)).toContain('Second done.');
    await waitFor(async () =>
      (await storedText(token, threadId)).includes('Second done.') ? true : undefined,
    );
    const stored = await storedText(token, threadId);
    const order = ['"one"', 'First done.', '"two"', 'Second done.'].map((text) => stored.indexOf(text));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('interrupt cancels the run and answers the new message on a history the provider accepts', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: `i_${name}` }),
      textTurn('New answer.'),
    );
    const { token } = await agent.gateway.openSession();
    const threadId = `${name}-interrupt`;
    const first = await startWaitingRun(token, threadId, 'old question');
    const requestsBefore = agent.upstream.requests.length;
    const second = await send(token, threadId, 'new question', 'interrupt');
    expect(second.status).toBe(200);
    expect(await streamedText(second)).toContain('New answer.');
    await first.until((frame) => frame.event.type === 'error');
    const sent = JSON.stringify(agent.upstream.requests[requestsBefore]?.body);
    expect(sent).toContain('old question');
    expect(sent).toContain('new question');
    // The run records say how each message was taken, and which run the second one cancelled.
    const runs = await waitFor(async () => {
      const listed = await jsonOf(await agent.gateway.get(`/threads/${threadId}/runs`, { token }));
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
    expect(interrupted).toMatchObject({ multitask_strategy: 'reject', interrupted_run_id: null });
    openGate();
  });

  it('rollback cancels the run and drops its messages from the thread', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: `b_${name}` }),
      textTurn('Fresh.'),
    );
    const { token } = await agent.gateway.openSession();
    const threadId = `${name}-rollback`;
    await startWaitingRun(token, threadId, 'drop me');
    const requestsBefore = agent.upstream.requests.length;
    const second = await send(token, threadId, 'instead', 'rollback');
    expect(second.status).toBe(200);
    expect(await streamedText(second)).toContain('Fresh.');
    expect(JSON.stringify(agent.upstream.requests[requestsBefore]?.body)).not.toContain('drop me');
    await waitFor(async () => ((await storedText(token, threadId)).includes('Fresh.') ? true : undefined));
    expect(await storedText(token, threadId)).not.toContain('drop me');
    openGate();
  });

  it('steer hands the message to the running run and streams the rest of that run', async () => {
    agent.upstream.enqueue(
      'anthropic',
      toolCallTurn('wait_here', {}, { id: `s_${name}` }),
      textTurn('Bergen it is.'),
    );
    const { token } = await agent.gateway.openSession();
    const threadId = `${name}-steer`;
    const first = await startWaitingRun(token, threadId, 'Weather in Oslo?');
    const requestsBefore = agent.upstream.requests.length;
    const steered = send(token, threadId, 'Bergen instead', 'steer');
    // The steered message is in the run's queue once the response's stream has begun.
    const response = await steered;
    expect(response.status).toBe(200);
    openGate();
    expect(await streamedText(response)).toContain('Bergen it is.');
    await first.until((frame) => frame.event.type === 'stream_complete');
    expect(agent.upstream.requests.length).toBe(requestsBefore + 1);
    expect(JSON.stringify(agent.upstream.requests[requestsBefore]?.body)).toContain('Bergen instead');
  });
});
