import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { mcpResultText } from '../helpers/mcp-result-text.js';
import { connectV1Client } from '../helpers/mcp-sdk-v1-client.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** What a request of the MCP client is, from its body. */
const kindOf = (body: unknown): 'call' | 'answer' | 'other' => {
  const text = typeof body === 'string' ? body : '';
  if (text.includes('"tools/call"')) return 'call';
  if (!text.includes('"method"') && text.includes('"result"')) return 'answer';
  return 'other';
};

describe.skipIf(skipReason !== undefined)('an MCP session across two instances without affinity', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('is served by either instance, and an elicitation answered through one reaches the call on the other', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [
        [toolCallTurn('delete_file', { path: '/tmp/mcp-ab' }, { id: 'toolu_mcp' }), textTurn('Deleted it.')],
        [],
      ],
      server: { mcp: { toolName: 'ask_agent' } },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const served: string[] = [];
    let turn = 0;
    // A balancer without affinity: the call goes to A, the client's answers to B, the rest alternate.
    const balancer: typeof fetch = (input, init) => {
      const kind = kindOf(init?.body);
      const target = kind === 'call' ? a : kind === 'answer' ? b : turn++ % 2 === 0 ? b : a;
      served.push(`${kind}:${target === a ? 'A' : 'B'}`);
      const url = new URL(input instanceof Request ? input.url : String(input));
      const base = new URL(target.client.baseUrl);
      url.host = base.host;
      return fetch(url, init);
    };
    const { client } = await connectV1Client(
      a.client.baseUrl,
      session.token,
      () => ({ action: 'accept', content: { approved: true } }),
      balancer,
    );
    cleanup.add(client, (open) => open.close());
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['ask_agent']);
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Delete /tmp/mcp-ab' } });
    expect(mcpResultText(result)).toBe('Deleted it.');
    expect(a.deleted).toEqual(['/tmp/mcp-ab']);
    expect(served).toContain('call:A');
    expect(served).toContain('answer:B');
    expect(served.some((entry) => entry.startsWith('other:B'))).toBe(true);
  });
});
