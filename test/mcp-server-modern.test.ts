import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { mcpResultText as textOf } from './helpers/mcp-result-text.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import { connectV2Client } from './helpers/mcp-sdk-v2-client.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';

/*
 * The agent as an MCP server for 2026-07-28 clients: the MCP TypeScript SDK v2 client pinned to
 * that revision (stateless requests, approvals as `input_required` fulfilled and retried by the
 * client) over a real socket.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

async function startMcpAgent(turns: StartMockAgentOptions['turns']) {
  return startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    { spec: { server: { mcp: { toolName: 'ask_agent' } } } },
  );
}

describe('MCP server, 2026-07-28 clients', () => {
  it('lists the tool and answers a call with progress', async () => {
    const { gateway, session } = await startMcpAgent([textTurn('Modern clients work too.')]);
    const { client, sent } = await connectV2Client(gateway.baseUrl, session.token);
    cleanup.add(client, (open) => open.close());
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['ask_agent']);
    // The 2026-07-28 revision: no initialize handshake, every request names its version.
    expect(sent.some((request) => request.body.includes('"initialize"'))).toBe(false);
    expect(
      sent.filter((request) => request.body.includes('tools/list')).map((request) => request.version),
    ).toEqual(['2026-07-28']);
    const progress: string[] = [];
    const result = await client.callTool(
      { name: 'ask_agent', arguments: { message: 'Hi' } },
      {
        onprogress: (update) => void progress.push(update.message ?? ''),
      },
    );
    expect(textOf(result)).toBe('Modern clients work too.');
    expect(progress.join('')).toBe('Modern clients work too.');
  });

  it('turns an approval into input_required, which the client fulfils and retries', async () => {
    const { gateway, session, calls } = await startMcpAgent([
      toolCallTurn('delete_file', { path: '/tmp/modern' }, { id: 'call_modern' }),
      textTurn('Deleted /tmp/modern.'),
    ]);
    const { client, elicited } = await connectV2Client(gateway.baseUrl, session.token, () => ({
      action: 'accept',
      content: { approved: true },
    }));
    cleanup.add(client, (open) => open.close());
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Delete /tmp/modern' } });
    expect(textOf(result)).toBe('Deleted /tmp/modern.');
    expect(elicited).toHaveLength(1);
    expect(calls).toEqual(['/tmp/modern']);
  });

  it('refuses the approval of a client that declared no elicitation, and frees the session', async () => {
    const { gateway, session, calls } = await startMcpAgent([
      toolCallTurn('delete_file', { path: '/tmp/no' }, { id: 'call_no' }),
      textTurn('next answer'),
    ]);
    const { client } = await connectV2Client(gateway.baseUrl, session.token);
    cleanup.add(client, (open) => open.close());
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Delete /tmp/no' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cannot ask for one/);
    expect(calls).toEqual([]);
    expect(textOf(await client.callTool({ name: 'ask_agent', arguments: { message: 'again' } }))).toBe(
      'next answer',
    );
  });
});
