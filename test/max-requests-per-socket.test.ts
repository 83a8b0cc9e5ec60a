import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** One POST over `agent`: status, `connection` header and body. */
function post(agent: Agent, url: string, body: unknown, token?: string, extra: Record<string, string> = {}) {
  return new Promise<{ status: number; connection: string | undefined; sessionId: string; body: string }>(
    (resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            ...extra,
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              connection: response.headers.connection,
              sessionId: String(response.headers['mcp-session-id'] ?? ''),
              body: text,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify(body));
    },
  );
}

describe('a keep-alive connection at maxRequestsPerSocket', () => {
  it('tells the client to close it on the last chat it carries, so the next chat gets a new connection', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('one'), textTurn('two'), textTurn('three'), textTurn('four')],
      agent: { server: { maxRequestsPerSocket: 3 } },
    });
    // One socket at a time: every request reuses the connection while the server keeps it.
    const agent = cleanup.add(new Agent({ keepAlive: true, maxSockets: 1 }), (open) => open.destroy());
    const init = await post(agent, `${gateway.baseUrl}/chat/init`, { api_key: 'test-client-key' });
    const token = (JSON.parse(init.body) as { session_token: string }).session_token;
    const chat = { messages: [{ role: 'user', content: 'hi' }] };
    const second = await post(agent, `${gateway.baseUrl}/chat`, chat, token);
    expect(second.connection).toBe('keep-alive');
    const third = await post(agent, `${gateway.baseUrl}/chat`, chat, token);
    expect(third.status).toBe(200);
    expect(third.connection).toBe('close');
    const fourth = await post(agent, `${gateway.baseUrl}/chat`, chat, token);
    expect(fourth.status).toBe(200);
    expect(fourth.body).toContain('stream_complete');
  });
});

describe('a keep-alive connection at maxRequestsPerSocket, on a route whose library sets Connection itself', () => {
  it('still says close on the last response (an MCP tools/call stream), so the next request gets a new connection', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('one'), textTurn('two')],
      agent: { server: { maxRequestsPerSocket: 4, mcp: { toolName: 'ask_agent' } } },
    });
    const agent = cleanup.add(new Agent({ keepAlive: true, maxSockets: 1 }), (open) => open.destroy());
    const init = await post(agent, `${gateway.baseUrl}/chat/init`, { api_key: 'test-client-key' });
    const token = (JSON.parse(init.body) as { session_token: string }).session_token;
    const mcp = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const initialize = await post(
      agent,
      `${gateway.baseUrl}/mcp`,
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      },
      token,
      mcp,
    );
    expect(initialize.status).toBe(200);
    const sessionId = initialize.sessionId;
    const call = (id: number) =>
      post(
        agent,
        `${gateway.baseUrl}/mcp`,
        {
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'ask_agent', arguments: { message: 'hi' } },
        },
        token,
        { ...mcp, 'mcp-session-id': sessionId },
      );
    const third = await call(1);
    expect(third.status).toBe(200);
    const fourth = await call(2);
    expect(fourth.status).toBe(200);
    expect(fourth.connection).toBe('close');
    const fifth = await post(agent, `${gateway.baseUrl}/chat/init`, { api_key: 'test-client-key' });
    expect(fifth.status).toBe(200);
  });
});
