import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { mcpResultText as textOf } from './helpers/mcp-result-text.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import { connectV1Client } from './helpers/mcp-sdk-v1-client.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';

/*
 * The agent as an MCP server at `/api/mcp`, driven by the MCP TypeScript SDK v1 client
 * (protocol 2025-11-25: sessions, `elicitation/create`) over a real socket.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

async function startMcpAgent(turns: StartMockAgentOptions['turns'], server: Record<string, unknown> = {}) {
  return startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    { spec: { server: { mcp: { toolName: 'ask_agent' }, ...server } } },
  );
}

describe('MCP server, 2025-11-25 clients', () => {
  it("lists the agent as one tool and answers a call with the run's text, streaming progress", async () => {
    const { gateway, session } = await startMcpAgent([textTurn('The answer is forty-two.')]);
    const { client } = await connectV1Client(gateway.baseUrl, session.token);
    cleanup.add(client, (open) => open.close());
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['ask_agent']);
    expect(tools[0]?.inputSchema).toMatchObject({
      properties: { message: { type: 'string' } },
      required: ['message'],
    });
    const progress: string[] = [];
    const result = await client.callTool(
      { name: 'ask_agent', arguments: { message: 'What is the answer?' } },
      undefined,
      {
        onprogress: (update) => void progress.push(update.message ?? ''),
      },
    );
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('The answer is forty-two.');
    expect(progress.join('')).toBe('The answer is forty-two.');
  });

  it('asks for an approval with elicitation/create, and runs the tool once accepted', async () => {
    const { gateway, session, calls } = await startMcpAgent([
      toolCallTurn('delete_file', { path: '/tmp/mcp' }, { id: 'call_mcp', text: 'I will delete it.' }),
      textTurn('Deleted /tmp/mcp.'),
    ]);
    const { client, elicited } = await connectV1Client(gateway.baseUrl, session.token, () => ({
      action: 'accept',
      content: { approved: true },
    }));
    cleanup.add(client, (open) => open.close());
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Delete /tmp/mcp' } });
    // The text of each model turn is a paragraph of its own.
    expect(textOf(result)).toBe('I will delete it.\n\nDeleted /tmp/mcp.');
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toContain('delete_file');
    expect(calls).toEqual(['/tmp/mcp']);
  });

  it('denies the call when the person declines, and the agent goes on without it', async () => {
    const { gateway, session, calls } = await startMcpAgent([
      toolCallTurn('delete_file', { path: '/tmp/keep' }, { id: 'call_keep' }),
      textTurn('I did not delete it.'),
    ]);
    const { client } = await connectV1Client(gateway.baseUrl, session.token, () => ({ action: 'decline' }));
    cleanup.add(client, (open) => open.close());
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Delete /tmp/keep' } });
    expect(textOf(result)).toBe('I did not delete it.');
    expect(calls).toEqual([]);
  });

  it('refuses an approval a client without elicitation cannot give, with an error the model can read', async () => {
    const { gateway, session, calls } = await startMcpAgent([
      toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'call_x' }),
      textTurn('unused'),
    ]);
    const { client } = await connectV1Client(gateway.baseUrl, session.token);
    cleanup.add(client, (open) => open.close());
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Delete /tmp/x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/needs a person's approval to run delete_file.*cannot ask for one/);
    expect(calls).toEqual([]);
    // The run was cancelled: the session is free for the next call.
    const next = await client.callTool({ name: 'ask_agent', arguments: { message: 'again' } });
    expect(textOf(next)).toBe('unused');
  });

  it('cancels the run when the client cancels the call', async () => {
    const { gateway, session, upstream } = await startMcpAgent([
      textTurn('one two three four five six seven eight nine ten eleven twelve', { eventDelayMs: 80 }),
      textTurn('after the cancel'),
    ]);
    const { client } = await connectV1Client(gateway.baseUrl, session.token);
    cleanup.add(client, (open) => open.close());
    const controller = new AbortController();
    const call = client.callTool({ name: 'ask_agent', arguments: { message: 'Count slowly' } }, undefined, {
      signal: controller.signal,
      onprogress: () => controller.abort(),
    });
    await expect(call).rejects.toThrow();
    // The gateway stopped the run: the upstream stream was abandoned and the next call runs.
    await expect.poll(() => upstream.requests[0]?.clientAborted).toBe(true);
    await expect
      .poll(
        async () => textOf(await client.callTool({ name: 'ask_agent', arguments: { message: 'next' } })),
        {
          timeout: 10_000,
        },
      )
      .toBe('after the cancel');
  });

  it("serves a session only to its owner: another key's token with its session id gets 404", async () => {
    const { gateway, session } = await startMcpAgent([], { validApiKeys: ['test-client-key', 'other-key'] });
    const { client, transport } = await connectV1Client(gateway.baseUrl, session.token);
    cleanup.add(client, (open) => open.close());
    const sessionId = transport.sessionId ?? '';
    expect(sessionId).toMatch(/^m1\./);
    const other = await gateway.openSession('other-key');
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    const borrowed = await fetch(`${gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${other.token}`, 'mcp-session-id': sessionId },
      body,
    });
    expect(borrowed.status).toBe(404);
    const forged = await fetch(`${gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${session.token}`, 'mcp-session-id': `${sessionId}x` },
      body,
    });
    expect(forged.status).toBe(404);
  });

  it('answers 401 with WWW-Authenticate naming the protected-resource metadata, which it serves', async () => {
    const { gateway } = await startMcpAgent([]);
    const origin = new URL(gateway.baseUrl).origin;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    for (const headers of [{}, { authorization: 'Bearer forged.token.value' }]) {
      const refused = await fetch(`${gateway.baseUrl}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body,
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/api/mcp"`,
      );
    }
    const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource/api/mcp`);
    expect(await metadata.json()).toMatchObject({
      resource: `${origin}/api/mcp`,
      bearer_methods_supported: ['header'],
    });
  });

  it('says what was wrong with a bearer that is neither a listed API key nor a session token', async () => {
    const { gateway } = await startMcpAgent([], { validApiKeys: ['test-client-key'] });
    const post = (bearer: string): Promise<Response> =>
      fetch(`${gateway.baseUrl}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${bearer}`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const wrongKey = await post('not-the-key');
    expect(wrongKey.status).toBe(401);
    const { detail } = (await wrongKey.json()) as { detail: string };
    expect(detail).toMatch(/^Invalid API key: /);
    expect(detail).toContain('server.validApiKeys');
    expect(detail).not.toContain('not-the-key');
    const badToken = await post('forged.token.value');
    expect(await badToken.json()).toEqual({ detail: 'Invalid session token' });
  });
});
