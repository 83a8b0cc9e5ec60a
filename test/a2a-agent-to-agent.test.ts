import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { a2aAgentTool } from '../src/tools/a2a/a2a-agent-tool.js';
import { gatewaySessionHeaders } from '../src/tools/a2a/gateway-session-headers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

/*
 * Agent to agent over A2A: gateway one's model calls a tool made by `a2aAgentTool`, which asks
 * gateway two's agent through its `/api/a2a` route (a session of its own per call, from an API
 * key), and the answer comes back as the tool's result.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('one gateway calling another over A2A', () => {
  it('asks the remote agent as a tool and hands its answer to the model', async () => {
    const two = await startMockAgent(cleanup, {
      turns: [textTurn('I am agent two, and the answer is 42.')],
      agent: { server: { a2a: true } },
    });
    const origin = new URL(two.gateway.baseUrl).origin;
    const one = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('ask_agent_two', { message: 'What is the answer?' }, { id: 'call_two' }),
        textTurn('Agent two says 42.'),
      ],
      agent: {
        tools: [
          a2aAgentTool({
            name: 'ask_agent_two',
            description: 'Asks agent two',
            url: origin,
            headers: gatewaySessionHeaders({ baseUrl: two.gateway.baseUrl, apiKey: 'test-client-key' }),
          }),
        ],
      },
    });
    const session = await one.gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await one.gateway.chat(session.token, 'Ask agent two')));
    const completed = events.find((event) => event.type === 'tool_call_complete');
    expect(completed).toMatchObject({
      tool_name: 'ask_agent_two',
      error: null,
      result: { answer: 'I am agent two, and the answer is 42.' },
    });
    expect(events.some((event) => event.type === 'tool_output_chunk')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
    // Two's model was asked the question; one's model read two's answer.
    expect(JSON.stringify(two.upstream.requests[0]?.body)).toContain('What is the answer?');
    expect(JSON.stringify(one.upstream.requests[1]?.body)).toContain('the answer is 42');
  });

  it('gives the model a readable error when the remote agent refuses the key', async () => {
    const two = await startMockAgent(cleanup, { turns: [], agent: { server: { a2a: true } } });
    const one = await startMockAgent(cleanup, {
      turns: [toolCallTurn('ask_agent_two', { message: 'Hi' }, { id: 'call_x' }), textTurn('It failed.')],
      agent: {
        tools: [
          a2aAgentTool({
            name: 'ask_agent_two',
            description: 'Asks agent two',
            url: new URL(two.gateway.baseUrl).origin,
            headers: { authorization: 'Bearer not-a-session' },
          }),
        ],
      },
    });
    const session = await one.gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await one.gateway.chat(session.token, 'Ask')));
    const completed = events.find((event) => event.type === 'tool_call_complete');
    expect(completed).toMatchObject({ error: { code: 'remote_agent_unreachable' } });
  });
});
