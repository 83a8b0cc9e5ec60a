import { HttpAgent, type BaseEvent, type Message } from '@ag-ui/client';
import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { OTHER_KEY, startStoredThreadAgent } from './helpers/stored-thread-agent.js';

/*
 * AG-UI `HttpAgent` on a gateway that keeps its threads: `threadId` is a stored thread, a client
 * that sends only its new message gets the stored history prepended, and `MESSAGES_SNAPSHOT`
 * hands it the whole conversation.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** An `HttpAgent` on `threadId` holding only `text` as its thread, recording the events. */
function agentWith(baseUrl: string, token: string, threadId: string, text: string) {
  const agent = new HttpAgent({
    url: `${baseUrl}/ag-ui`,
    headers: { Authorization: `Bearer ${token}` },
    threadId,
    initialMessages: [{ id: crypto.randomUUID(), role: 'user', content: text }],
  });
  const events: BaseEvent[] = [];
  agent.subscribe({ onEvent: ({ event }) => void events.push(event) });
  return { agent, events };
}

/** Messages of the model request as plain `{role, text}` pairs (Anthropic wire format). */
const conversationOf = (body: unknown): Array<{ role: string; text: string }> =>
  ((body as { messages: Array<{ role: string; content: unknown }> }).messages ?? []).map((message) => ({
    role: message.role,
    text:
      typeof message.content === 'string'
        ? message.content
        : (message.content as Array<{ type: string; text?: string }>)
            .map((block) => (block.type === 'text' ? (block.text ?? '') : `[${block.type}]`))
            .join(''),
  }));

const rolesOf = (messages: readonly Message[]): string[] => messages.map((message) => message.role);

describe('AG-UI with a stored thread', () => {
  it('prepends the stored thread to a client that sends only its new message, and snapshots the whole conversation', async () => {
    const { gateway, session, upstream } = await startStoredThreadAgent(cleanup, [
      toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }),
      textTurn('Clear skies in Nantes.'),
      textTurn('About 320,000.'),
    ]);
    const first = agentWith(gateway.baseUrl, session.token, 'thread_ag_1', 'Weather in Nantes?');
    await first.agent.runAgent();
    const second = agentWith(gateway.baseUrl, session.token, 'thread_ag_1', 'How many live there?');
    await second.agent.runAgent();

    expect(conversationOf(upstream.requests.at(-1)?.body)).toEqual([
      { role: 'user', text: 'Weather in Nantes?' },
      { role: 'assistant', text: '[tool_use]' },
      { role: 'user', text: '[tool_result]' },
      { role: 'assistant', text: 'Clear skies in Nantes.' },
      { role: 'user', text: 'How many live there?' },
    ]);
    expect(second.events.slice(0, 2).map((event) => String(event.type))).toEqual([
      'RUN_STARTED',
      'MESSAGES_SNAPSHOT',
    ]);
    expect(rolesOf(second.agent.messages)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
      'assistant',
    ]);
    const [, call, result, answer] = second.agent.messages;
    expect(call).toMatchObject({
      toolCalls: [{ id: 'toolu_w1', function: { name: 'get_weather', arguments: '{"city":"Nantes"}' } }],
    });
    expect(result).toMatchObject({ toolCallId: 'toolu_w1', content: '{"city":"Nantes","sky":"clear"}' });
    expect(answer).toMatchObject({ content: 'Clear skies in Nantes.' });
    expect(second.agent.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'About 320,000.' });
  });

  it('keeps a client that sends its whole thread working: the stored history is not doubled', async () => {
    const { gateway, session, upstream } = await startStoredThreadAgent(cleanup, [
      toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }),
      textTurn('Clear skies in Nantes.'),
      textTurn('About 320,000.'),
    ]);
    const { agent } = agentWith(gateway.baseUrl, session.token, 'thread_ag_full', 'Weather in Nantes?');
    await agent.runAgent();
    agent.addMessage({ id: crypto.randomUUID(), role: 'user', content: 'How many live there?' });
    await agent.runAgent();

    expect(conversationOf(upstream.requests.at(-1)?.body)).toEqual([
      { role: 'user', text: 'Weather in Nantes?' },
      { role: 'assistant', text: '[tool_use]' },
      { role: 'user', text: '[tool_result]' },
      { role: 'assistant', text: 'Clear skies in Nantes.' },
      { role: 'user', text: 'How many live there?' },
    ]);
    expect(rolesOf(agent.messages)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
  });

  it('answers 404 to another key that runs on the thread, and runs nothing', async () => {
    const { gateway, session, upstream } = await startStoredThreadAgent(cleanup, [textTurn('Paris.')]);
    await agentWith(
      gateway.baseUrl,
      session.token,
      'thread_ag_private',
      'Capital of France?',
    ).agent.runAgent();

    const other = await gateway.openSession(OTHER_KEY);
    const response = await fetch(`${gateway.baseUrl}/ag-ui`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        threadId: 'thread_ag_private',
        runId: 'r2',
        state: {},
        messages: [{ id: 'u2', role: 'user', content: 'What did they ask?' }],
        tools: [],
        context: [],
        forwardedProps: {},
      }),
    });
    expect(response.status).toBe(404);
    expect(upstream.requests).toHaveLength(1);
  });
});
