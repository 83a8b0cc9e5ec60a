import { type BaseEvent, type Message } from '@ag-ui/client';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { httpErrorTurn, textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { everythingServer } from './helpers/mcp-everything.js';
import { agUiAgentFor, startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';
import { latestToolResultOf } from './helpers/upstream-tool-results.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * `POST /api/ag-ui` driven by `@ag-ui/client` 1.0's `HttpAgent`, which validates every event
 * and their order (it throws on a protocol violation): the conformance oracle.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

async function startAgUiAgent(
  turns: StartMockAgentOptions['turns'],
  spec: StartMockAgentOptions['agent'] = {},
) {
  const started = await startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    { spec },
  );
  const events: BaseEvent[] = [];
  const { agent, say } = agUiAgentFor(started.gateway.baseUrl, started.session.token);
  agent.subscribe({ onEvent: ({ event }) => void events.push(event) });
  return { ...started, deleted: started.calls, agent, events, say };
}

const typesOf = (events: readonly BaseEvent[]): string[] => events.map((event) => String(event.type));
/** The text content of a tool message ('' for none). */
const toolContentOf = (message: Message | undefined): string =>
  message?.role === 'tool' && typeof message.content === 'string' ? message.content : '';
const lastAssistantText = (messages: readonly Message[]): string => {
  const found = messages.findLast(
    (message) => message.role === 'assistant' && typeof message.content === 'string',
  );
  return found?.role === 'assistant' ? (found.content ?? '') : '';
};

describe('AG-UI HttpAgent against POST /api/ag-ui', () => {
  it('streams reasoning and text and finishes with usage', async () => {
    const { agent, events, say } = await startAgUiAgent([
      {
        blocks: [
          { type: 'thinking', text: 'A greeting.', signature: 'sig' },
          { type: 'text', text: 'Hello there!' },
        ],
        usage: { inputTokens: 12, outputTokens: 5 },
      },
    ]);
    say('Hi');
    await agent.runAgent();

    // Consecutive content events collapsed: the text arrives in several deltas.
    const collapsed = typesOf(events).filter((type, index, all) => type !== all[index - 1]);
    expect(collapsed).toEqual([
      'RUN_STARTED',
      'REASONING_START',
      'REASONING_MESSAGE_START',
      'REASONING_MESSAGE_CONTENT',
      'REASONING_MESSAGE_END',
      'REASONING_END',
      'TEXT_MESSAGE_START',
      'TEXT_MESSAGE_CONTENT',
      'TEXT_MESSAGE_END',
      'RUN_FINISHED',
    ]);
    expect(lastAssistantText(agent.messages)).toBe('Hello there!');
    expect(events.at(-1)).toMatchObject({
      outcome: { type: 'success' },
      usage: [{ inputTokens: 12, outputTokens: 5, totalTokens: 17 }],
    });
  });

  it('shows a backend tool call and its result, then the answer', async () => {
    const { agent, events, say } = await startAgUiAgent([
      toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }),
      textTurn('Clear in Nantes.'),
    ]);
    say('Weather?');
    await agent.runAgent();

    expect(typesOf(events)).toEqual(
      expect.arrayContaining(['TOOL_CALL_START', 'TOOL_CALL_ARGS', 'TOOL_CALL_END', 'TOOL_CALL_RESULT']),
    );
    const result = agent.messages.find((message) => message.role === 'tool');
    expect(result).toMatchObject({ toolCallId: 'toolu_w1' });
    expect(JSON.parse(toolContentOf(result))).toEqual({ city: 'Nantes', sky: 'clear' });
    expect(lastAssistantText(agent.messages)).toBe('Clear in Nantes.');
  });

  it('shows an MCP tool call with the real server-everything result', async () => {
    const { agent, say } = await startAgUiAgent(
      [toolCallTurn('echo', { message: 'over MCP' }, { id: 'toolu_e1' }), textTurn('Echoed.')],
      { mcp: { servers: { everything: everythingServer() } } },
    );
    say('Echo');
    await agent.runAgent();

    const result = agent.messages.find((message) => message.role === 'tool');
    expect(toolContentOf(result)).toContain('over MCP');
    expect(lastAssistantText(agent.messages)).toBe('Echoed.');
  }, 60_000);

  it('ends the run at an approval as an interrupt and continues the same run once resumed', async () => {
    const { agent, events, say, deleted } = await startAgUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_d1' }),
      textTurn('Deleted.'),
    ]);
    say('Delete /tmp/a');
    await agent.runAgent();

    const interrupt = agent.pendingInterrupts[0];
    expect(interrupt).toMatchObject({ reason: 'tool_call', toolCallId: 'toolu_d1' });
    expect(Date.parse(interrupt?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(deleted).toEqual([]);

    events.length = 0;
    await agent.runAgent({
      resume: [{ interruptId: interrupt?.id ?? '', status: 'resolved', payload: { approved: true } }],
    });
    expect(deleted).toEqual(['/tmp/a']);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'TOOL_CALL_RESULT', toolCallId: 'toolu_d1' }),
    );
    expect(typesOf(events).filter((type) => type === 'TOOL_CALL_START')).toEqual([]);
    expect(lastAssistantText(agent.messages)).toBe('Deleted.');
    expect(agent.pendingInterrupts).toEqual([]);
  });

  it('reports a rejected interrupt to the model as a denial and never runs the tool', async () => {
    const { agent, say, deleted, upstream } = await startAgUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_d2' }),
      textTurn('Kept it.'),
    ]);
    say('Delete /tmp/b');
    await agent.runAgent();
    const interrupt = agent.pendingInterrupts[0];

    await agent.runAgent({ resume: [{ interruptId: interrupt?.id ?? '', status: 'cancelled' }] });
    expect(deleted).toEqual([]);
    expect(JSON.stringify(latestToolResultOf(upstream.requests.at(-1)))).toContain('denied');
    expect(lastAssistantText(agent.messages)).toBe('Kept it.');
  });

  it('refuses a forged resume and input while an interrupt is open, and changes nothing', async () => {
    const { agent, say, deleted, gateway, session } = await startAgUiAgent([
      toolCallTurn('delete_file', { path: '/tmp/c' }, { id: 'toolu_d3' }),
      textTurn('Deleted.'),
    ]);
    say('Delete /tmp/c');
    await agent.runAgent();
    const body = (resume?: unknown[]) => ({
      threadId: agent.threadId,
      runId: crypto.randomUUID(),
      messages: [{ id: 'u1', role: 'user', content: 'Delete /tmp/c' }],
      tools: [],
      context: [],
      ...(resume === undefined ? {} : { resume }),
    });

    const forged = await gateway.post(
      '/ag-ui',
      body([{ interruptId: '0000000000000000', status: 'resolved', payload: { approved: true } }]),
      { token: session.token },
    );
    expect(forged.status).toBe(404);
    const unanswered = await gateway.post('/ag-ui', body(), { token: session.token });
    expect(unanswered.status).toBe(409);
    expect(String((await jsonOf(unanswered)).detail)).toContain('resume');
    const otherSession = await gateway.openSession();
    const stolen = await gateway.post(
      '/ag-ui',
      body([
        { interruptId: agent.pendingInterrupts[0]?.id, status: 'resolved', payload: { approved: true } },
      ]),
      { token: otherSession.token },
    );
    expect(stolen.status).toBe(409);
    expect(deleted).toEqual([]);

    await agent.runAgent({
      resume: [
        {
          interruptId: agent.pendingInterrupts[0]?.id ?? '',
          status: 'resolved',
          payload: { approved: true },
        },
      ],
    });
    expect(deleted).toEqual(['/tmp/c']);
  });

  it('offers frontend tools to the model and delivers their result from the next run', async () => {
    const { agent, events, say, upstream } = await startAgUiAgent([
      toolCallTurn('get_browser_time', {}, { id: 'toolu_t1' }),
      textTurn('It is noon where you are.'),
    ]);
    say('What time is it here?');
    const frontendTools = [
      {
        name: 'get_browser_time',
        description: 'The time in the browser',
        parameters: { type: 'object', properties: {} },
      },
    ];
    await agent.runAgent({ tools: frontendTools });

    const advertised = (upstream.requests[0]?.body as { tools?: Array<{ name: string }> }).tools ?? [];
    expect(advertised.map((entry) => entry.name)).toContain('get_browser_time');
    expect(events.at(-1)).toMatchObject({
      type: 'RUN_FINISHED',
      outcome: { type: 'success', pendingToolCallIds: ['toolu_t1'] },
    });

    agent.addMessage({
      id: crypto.randomUUID(),
      role: 'tool',
      toolCallId: 'toolu_t1',
      content: '{"time":"12:00"}',
    });
    await agent.runAgent({ tools: frontendTools });
    expect(JSON.stringify(latestToolResultOf(upstream.requests.at(-1)))).toContain('12:00');
    expect(lastAssistantText(agent.messages)).toBe('It is noon where you are.');
  });

  it('shows a run_agent call as a sub-agent that starts and finishes', async () => {
    const skillsDir = fileURLToPath(new URL('../examples/05-skills/skills', import.meta.url));
    const { agent, events, say } = await startAgUiAgent(
      [
        toolCallTurn(
          'run_agent',
          { agent: 'researcher', task: 'Find the tallest mountain.' },
          { id: 'toolu_s1' },
        ),
        textTurn('Kilimanjaro, 5,895 m.'),
        textTurn('It is Kilimanjaro.'),
      ],
      { skills: { dir: skillsDir } },
    );
    say('Tallest mountain in Africa?');
    await agent.runAgent();

    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'SUBAGENT_STARTED',
        subagentRunId: 'sub_toolu_s1',
        name: 'researcher',
        parentToolCallId: 'toolu_s1',
      }),
    );
    const finished = events.find((event) => String(event.type) === 'SUBAGENT_FINISHED');
    expect(finished).toMatchObject({ subagentRunId: 'sub_toolu_s1', outcome: { type: 'success' } });
    expect(JSON.stringify(finished)).toContain('Kilimanjaro, 5,895 m.');
    expect(lastAssistantText(agent.messages)).toBe('It is Kilimanjaro.');
  });

  it('finishes as cancelled when the run is stopped with POST /chat/cancel', async () => {
    const { agent, events, say, gateway, session } = await startAgUiAgent([
      textTurn('A long and slow answer that the stop button will cut short.', { eventDelayMs: 50 }),
    ]);
    say('Talk slowly');
    const running = agent.runAgent();
    await waitFor(() => (typesOf(events).includes('TEXT_MESSAGE_CONTENT') ? true : undefined));
    expect((await gateway.post('/chat/cancel', {}, { token: session.token })).status).toBe(200);
    await running;
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'cancelled' } });
  });

  it('ends with RUN_ERROR and its code when the model call fails', async () => {
    const { agent, events, say } = await startAgUiAgent([
      httpErrorTurn(400, { message: 'prompt is too long' }),
    ]);
    say('Hi');
    await agent.runAgent().catch(() => undefined);
    expect(events.at(-1)).toMatchObject({ type: 'RUN_ERROR', code: 'context_too_long' });
  });

  it('refuses invalid input with an HTTP error before any event', async () => {
    const { gateway, session } = await startAgUiAgent([]);
    const response = await gateway.post(
      '/ag-ui',
      { threadId: 't', messages: 'nope' },
      { token: session.token },
    );
    expect(response.status).toBe(422);
    const noToken = await gateway.post('/ag-ui', {
      threadId: 't',
      runId: 'r',
      messages: [],
      tools: [],
      context: [],
    });
    expect(noToken.status).toBe(401);
  });
});
