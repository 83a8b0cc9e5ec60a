import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

/*
 * Agent to agent over MCP: gateway one's own MCP client manager (`mcp.servers`) connects to
 * gateway two's `/api/mcp` with a session token of two, and one's model calls two's agent as
 * an ordinary MCP tool.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('one gateway using another as an MCP server', () => {
  it('lists the other agent as a tool and gets its answer as the tool result', async () => {
    const two = await startMockAgent(cleanup, {
      turns: [textTurn('Agent two here: the capital of France is Paris.')],
      agent: { server: { mcp: { toolName: 'ask_geography' } } },
    });
    const token = (await two.gateway.openSession()).token;
    const one = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('ask_geography', { message: 'What is the capital of France?' }, { id: 'call_geo' }),
        textTurn('Paris, says agent two.'),
      ],
      agent: {
        mcp: {
          servers: {
            two: {
              type: 'http',
              url: `${two.gateway.baseUrl}/mcp`,
              headers: { Authorization: `Bearer ${token}` },
            },
          },
        },
      },
    });
    const session = await one.gateway.openSession();
    const events = eventsOf(
      await readAllSseFrames(await one.gateway.chat(session.token, 'Ask about France')),
    );
    const completed = events.find((event) => event.type === 'tool_call_complete');
    expect(completed).toMatchObject({ tool_name: 'ask_geography', error: null, server: 'two' });
    expect(JSON.stringify(completed)).toContain('the capital of France is Paris');
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
    expect(JSON.stringify(one.upstream.requests[0]?.body)).toContain('ask_geography');
    expect(JSON.stringify(two.upstream.requests[0]?.body)).toContain('What is the capital of France?');
  });
});
