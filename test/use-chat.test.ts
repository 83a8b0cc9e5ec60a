import type { UIMessage } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { tool } from '../src/tools/define-tool.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { everythingServer } from './helpers/mcp-everything.js';
import { startMockAgent, type StartMockAgentOptions } from './helpers/start-mock-agent.js';
import { createUiChatClient } from './helpers/ui-chat-client.js';
import { latestToolResultOf } from './helpers/upstream-tool-results.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * `POST /api/ui/chat` driven by the AI SDK 6 `Chat` itself (what `useChat` wraps) through
 * `DefaultChatTransport`, over a real socket: its parser validates every chunk, its reducer
 * builds the message, and it re-POSTs on its own after approvals and client-side tools.
 */

const cleanup = createCleanupStack();

/** The approval id of a tool part waiting for approval ('' when it has none). */
const approvalIdOf = (part: UIMessage['parts'][number] | undefined): string =>
  part !== undefined && 'approval' in part ? (part.approval?.id ?? '') : '';
afterEach(() => cleanup.run());

const deleteFile = (deleted: string[]) =>
  tool({
    name: 'delete_file',
    description: 'Deletes a file',
    inputSchema: z.object({ path: z.string() }),
    execute: ({ path }) => {
      deleted.push(path);
      return { deleted: path };
    },
  });

async function startUiAgent(
  turns: StartMockAgentOptions['turns'],
  agent: StartMockAgentOptions['agent'] = {},
) {
  const deleted: string[] = [];
  const started = await startMockAgent(cleanup, {
    turns,
    agent: {
      needsApproval: (toolName) => toolName === 'delete_file',
      tools: [
        deleteFile(deleted),
        tool({
          name: 'get_weather',
          description: 'Weather of a city',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => ({ city, sky: 'clear' }),
        }),
        tool({
          name: 'broken',
          description: 'Always fails',
          inputSchema: z.object({}),
          execute: () => {
            throw new Error('disk on fire');
          },
        }),
        tool({
          name: 'get_browser_time',
          description: 'The time in the browser',
          inputSchema: z.object({}),
          execute: 'client',
        }),
      ],
      ...agent,
    },
  });
  const session = await started.gateway.openSession();
  return { ...started, deleted, session };
}

describe('useChat against POST /api/ui/chat', () => {
  it('streams reasoning and text, with usage in the message metadata', async () => {
    const { gateway, session } = await startUiAgent([
      {
        blocks: [
          { type: 'thinking', text: 'The user greets me.', signature: 'sig' },
          { type: 'text', text: 'Hello there!' },
        ],
        usage: { inputTokens: 12, outputTokens: 5 },
      },
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Hi' });

    expect(client.errors).toEqual([]);
    const message = client.chat.messages.at(-1);
    expect(message?.role).toBe('assistant');
    expect(message?.id).toMatch(/^msg_/);
    expect(message?.parts).toEqual([
      { type: 'step-start' },
      expect.objectContaining({ type: 'reasoning', text: 'The user greets me.', state: 'done' }),
      expect.objectContaining({ type: 'text', text: 'Hello there!', state: 'done' }),
    ]);
    expect(message?.metadata).toMatchObject({ usage: { inputTokens: 12, outputTokens: 5 } });
  });

  it('shows a server tool call with its output, then the answer', async () => {
    const { gateway, session, upstream } = await startUiAgent([
      toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }),
      textTurn('Clear skies in Nantes.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Weather in Nantes?' });

    expect(client.errors).toEqual([]);
    expect(client.lastParts()).toContainEqual(
      expect.objectContaining({
        type: 'tool-get_weather',
        toolCallId: 'toolu_w1',
        state: 'output-available',
        input: { city: 'Nantes' },
        output: { city: 'Nantes', sky: 'clear' },
      }),
    );
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Clear skies in Nantes.' });
    expect(JSON.stringify(latestToolResultOf(upstream.requests.at(-1)))).toContain('clear');
  });

  it('shows a failing tool as output-error', async () => {
    const { gateway, session } = await startUiAgent([
      toolCallTurn('broken', {}, { id: 'toolu_b1' }),
      textTurn('That failed.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Break it' });

    expect(client.errors).toEqual([]);
    const part = client.lastParts().find((candidate) => candidate.type === 'tool-broken');
    expect(part).toMatchObject({ state: 'output-error', toolCallId: 'toolu_b1' });
    expect(JSON.stringify(part)).toContain('disk on fire');
  });

  it('ends the response at an approval, and continues the same message once it is approved', async () => {
    const { gateway, session, deleted } = await startUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_d1' }),
      textTurn('Deleted.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Delete /tmp/a' });

    const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');
    expect(asked).toMatchObject({ state: 'approval-requested' });
    expect(approvalIdOf(asked)).toMatch(/^[0-9a-f]{16}$/);
    expect(deleted).toEqual([]);
    const messageId = client.chat.messages.at(-1)?.id;

    await client.chat.addToolApprovalResponse({ id: approvalIdOf(asked), approved: true });
    await client.finishedTimes(2);

    expect(client.errors).toEqual([]);
    expect(deleted).toEqual(['/tmp/a']);
    expect(client.chat.messages).toHaveLength(2);
    expect(client.chat.messages.at(-1)?.id).toBe(messageId);
    expect(client.lastParts()).toContainEqual(
      expect.objectContaining({
        type: 'tool-delete_file',
        state: 'output-available',
        output: { deleted: '/tmp/a' },
      }),
    );
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Deleted.' });
  });

  it('keeps a useChat run waiting for its approval in memory past suspendAfterMs: approved later, it goes on', async () => {
    const { gateway, session, deleted } = await startUiAgent(
      [toolCallTurn('delete_file', { path: '/tmp/late' }, { id: 'toolu_late' }), textTurn('Deleted late.')],
      { server: { database: createMemoryThreadStore(), suspendAfterMs: 50 } },
    );
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Delete /tmp/late' });
    const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');
    expect(asked).toMatchObject({ state: 'approval-requested' });
    // Well past the grace: a native run would be suspended by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.chat.addToolApprovalResponse({ id: approvalIdOf(asked), approved: true });
    await client.finishedTimes(2);
    expect(client.errors).toEqual([]);
    expect(deleted).toEqual(['/tmp/late']);
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Deleted late.' });
  });

  it('shows a denied approval as output-denied and never runs the tool', async () => {
    const { gateway, session, deleted } = await startUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_d2' }),
      textTurn('Fine, I kept it.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Delete /tmp/b' });
    const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');

    await client.chat.addToolApprovalResponse({ id: approvalIdOf(asked), approved: false });
    await client.finishedTimes(2);

    expect(client.errors).toEqual([]);
    expect(deleted).toEqual([]);
    expect(client.lastParts()).toContainEqual(
      expect.objectContaining({ type: 'tool-delete_file', state: 'output-denied' }),
    );
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Fine, I kept it.' });
  });

  it('remembers "always allow" sent as metadata.alwaysAllow, so the next call of that tool is not asked', async () => {
    const { gateway, session, deleted } = await startUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/1' }, { id: 'toolu_a1' }),
      toolCallTurn('delete_file', { path: '/tmp/2' }, { id: 'toolu_a2' }),
      textTurn('Both gone.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Delete two files' });
    const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');

    await client.chat.addToolApprovalResponse({
      id: approvalIdOf(asked),
      approved: true,
      options: { body: { metadata: { alwaysAllow: true } } },
    });
    await client.finishedTimes(2);

    expect(client.errors).toEqual([]);
    expect(deleted).toEqual(['/tmp/1', '/tmp/2']);
    const calls = client.lastParts().filter((part) => part.type === 'tool-delete_file');
    expect(calls.map((part) => ('state' in part ? part.state : ''))).toEqual([
      'output-available',
      'output-available',
    ]);
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Both gone.' });
  });

  it('refuses a forged approval and a replayed one, and the real one still works', async () => {
    const { gateway, session, deleted } = await startUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/c' }, { id: 'toolu_d3' }),
      textTurn('Deleted.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token, automatic: false });
    await client.chat.sendMessage({ text: 'Delete /tmp/c' });
    const assistant = client.chat.messages.at(-1);
    const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');
    const approvalId = approvalIdOf(asked);
    const answer = (id: string) => ({
      id: 'chat_1',
      trigger: 'submit-message',
      messageId: assistant?.id,
      messages: [
        ...client.chat.messages.slice(0, -1),
        {
          ...assistant,
          parts: [
            { type: 'step-start' },
            {
              type: 'tool-delete_file',
              toolCallId: 'toolu_d3',
              state: 'approval-responded',
              input: { path: '/tmp/c' },
              approval: { id, approved: true },
            },
          ],
        },
      ],
    });

    const forged = await gateway.post('/ui/chat', answer('0000000000000000'), { token: session.token });
    expect(forged.status).toBe(409);
    expect(String((await jsonOf(forged)).detail)).toContain('Nonce mismatch');
    const otherSession = await gateway.openSession();
    const stolen = await gateway.post('/ui/chat', answer(approvalId), { token: otherSession.token });
    expect(stolen.status).toBe(409);
    expect(deleted).toEqual([]);

    const real = await gateway.post('/ui/chat', answer(approvalId), { token: session.token });
    expect(real.status).toBe(200);
    expect(await real.text()).toContain('"finishReason":"stop"');
    expect(deleted).toEqual(['/tmp/c']);
    const replayed = await gateway.post('/ui/chat', answer(approvalId), { token: session.token });
    expect(replayed.status).toBe(409);
    expect(deleted).toEqual(['/tmp/c']);
  });

  it('hands a client-side tool call to onToolCall and sends its output back to the model', async () => {
    const { gateway, session, upstream } = await startUiAgent([
      toolCallTurn('get_browser_time', {}, { id: 'toolu_t1' }),
      textTurn('It is noon where you are.'),
    ]);
    const client = createUiChatClient({
      baseUrl: gateway.baseUrl,
      token: session.token,
      onToolCall: ({ toolCall }) => {
        void client.chat.addToolOutput({
          tool: 'get_browser_time',
          toolCallId: toolCall.toolCallId,
          output: { time: '12:00' },
        });
      },
    });
    await client.chat.sendMessage({ text: 'What time is it here?' });
    await client.finishedTimes(2);

    expect(client.errors).toEqual([]);
    expect(JSON.stringify(latestToolResultOf(upstream.requests.at(-1)))).toContain('12:00');
    expect(client.lastParts()).toContainEqual(
      expect.objectContaining({
        type: 'tool-get_browser_time',
        state: 'output-available',
        output: { time: '12:00' },
      }),
    );
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'It is noon where you are.' });
  });

  it('announces a retried model call as a transient data part and completes the answer', async () => {
    const { gateway, session } = await startUiAgent([
      httpErrorTurn(529, { message: 'Overloaded', retryAfterSeconds: 0 }),
      textTurn('Recovered.'),
    ]);
    const data: Array<{ type: string; data: unknown }> = [];
    const client = createUiChatClient({
      baseUrl: gateway.baseUrl,
      token: session.token,
      onData: (part) => data.push(part),
    });
    await client.chat.sendMessage({ text: 'Try hard' });

    expect(client.errors).toEqual([]);
    expect(data).toEqual([
      {
        type: 'data-stream-retry',
        data: {
          attempt: 0,
          error: 'The model provider is overloaded; try again later.',
          code: 'upstream_overloaded',
        },
        transient: true,
      },
    ]);
    expect(client.lastParts().some((part) => part.type.startsWith('data-'))).toBe(false);
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Recovered.' });
  });

  it('regenerates an answer as a new run over the history before it', async () => {
    const { gateway, session, upstream } = await startUiAgent([
      textTurn('First try.'),
      textTurn('Second try.'),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Say something' });
    await client.chat.regenerate();

    expect(client.errors).toEqual([]);
    expect(client.chat.messages).toHaveLength(2);
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Second try.' });
    expect(upstream.requests).toHaveLength(2);
  });

  it('refuses a malformed body and a missing token with clear errors', async () => {
    const { gateway, session } = await startUiAgent([]);
    const noToken = await gateway.post('/ui/chat', { id: 'c', trigger: 'submit-message', messages: [] });
    expect(noToken.status).toBe(401);
    const empty = await gateway.post(
      '/ui/chat',
      { id: 'c', trigger: 'submit-message', messages: [] },
      { token: session.token },
    );
    expect(empty.status).toBe(422);
    const nothingWaiting = await gateway.post(
      '/ui/chat',
      { id: 'c', trigger: 'submit-message', messages: [{ id: 'a', role: 'assistant', parts: [] }] },
      { token: session.token },
    );
    expect(nothingWaiting.status).toBe(409);
  });
});

describe('useChat across disconnects, cancels and MCP', () => {
  it('shows an MCP tool as a dynamic-tool part', async () => {
    const { gateway, session } = await startUiAgent(
      [toolCallTurn('echo', { message: 'over MCP' }, { id: 'toolu_e1' }), textTurn('Echoed.')],
      { mcp: { servers: { everything: everythingServer() } } },
    );
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Echo something' });

    expect(client.errors).toEqual([]);
    const part = client.lastParts().find((candidate) => candidate.type === 'dynamic-tool');
    expect(part).toMatchObject({ toolName: 'echo', toolCallId: 'toolu_e1', state: 'output-available' });
    expect(JSON.stringify(part)).toContain('over MCP');
  }, 60_000);

  it('keeps a run waiting for an approval alive after its response ended, even with no grace period', async () => {
    const { gateway, session, deleted } = await startUiAgent(
      [toolCallTurn('delete_file', { path: '/tmp/g' }, { id: 'toolu_g1' }), textTurn('Deleted.')],
      { server: { disconnectGraceMs: 0 } },
    );
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await client.chat.sendMessage({ text: 'Delete /tmp/g' });
    const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');

    await client.chat.addToolApprovalResponse({ id: approvalIdOf(asked), approved: true });
    await client.finishedTimes(2);

    expect(client.errors).toEqual([]);
    expect(deleted).toEqual(['/tmp/g']);
    expect(client.lastParts().at(-1)).toMatchObject({ type: 'text', text: 'Deleted.' });
  });

  it('replays the whole message, across an approval continuation, to a client that resumes mid-answer', async () => {
    const { gateway, session } = await startUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/r' }, { id: 'toolu_r1' }),
      textTurn('Deleted the file you asked me to delete, as requested.', { eventDelayMs: 40 }),
    ]);
    const first = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await first.chat.sendMessage({ text: 'Delete /tmp/r' });
    const asked = first.lastParts().find((part) => part.type === 'tool-delete_file');
    void first.chat.addToolApprovalResponse({ id: approvalIdOf(asked), approved: true });
    await waitFor(
      () => first.lastParts().some((part) => part.type === 'text' && part.text.length > 0) || undefined,
    );

    // A second tab (or the same page after a reload) starts from an empty message.
    const reloaded = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    await reloaded.chat.resumeStream();
    await first.finishedTimes(2);

    expect(reloaded.errors).toEqual([]);
    expect(reloaded.chat.messages).toHaveLength(1);
    expect(reloaded.chat.messages[0]?.id).toBe(first.chat.messages.at(-1)?.id);
    expect(reloaded.lastParts()).toContainEqual(
      expect.objectContaining({
        type: 'tool-delete_file',
        state: 'output-available',
        output: { deleted: '/tmp/r' },
      }),
    );
    expect(reloaded.lastParts().at(-1)).toMatchObject({
      type: 'text',
      text: 'Deleted the file you asked me to delete, as requested.',
    });
    const after = await gateway.get('/ui/chat/chat_1/stream', { token: session.token });
    expect(after.status).toBe(204);
  });

  it('ends the message as aborted when the run is cancelled with POST /chat/cancel', async () => {
    const { gateway, session } = await startUiAgent([
      textTurn('This answer is long and slow and will be cut short by the stop button.', {
        eventDelayMs: 50,
      }),
    ]);
    const client = createUiChatClient({ baseUrl: gateway.baseUrl, token: session.token });
    const sent = client.chat.sendMessage({ text: 'Talk slowly' });
    await waitFor(
      () =>
        (client.chat.messages.at(-1)?.role === 'assistant' &&
          client.lastParts().some((part) => part.type === 'text')) ||
        undefined,
    );

    const cancel = await gateway.post('/chat/cancel', {}, { token: session.token });
    expect(cancel.status).toBe(200);
    await sent;

    expect(client.errors).toEqual([]);
    expect(client.chat.status).toBe('ready');
    const text = client.lastParts().find((part) => part.type === 'text');
    expect(text?.type === 'text' ? text.text.length : 0).toBeLessThan(60);
    expect((await gateway.get('/ui/chat/chat_1/stream', { token: session.token })).status).toBe(204);
  });
});
