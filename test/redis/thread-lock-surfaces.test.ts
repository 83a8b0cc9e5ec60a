import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { a2aClientFor, sendRequest, userMessage } from '../helpers/a2a-client.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { mcpResultText } from '../helpers/mcp-result-text.js';
import { connectV1Client } from '../helpers/mcp-sdk-v1-client.js';
import { createSseReader, readAllSseFrames, textOf } from '../helpers/sse-reader.js';
import { readmeSessionOf, settledRunStatuses, startReadmeDeployment } from './helpers/readme-deployment.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const originOf = (baseUrl: string): string => new URL(baseUrl).origin;

/*
 * Issue 75, items 4 and 5, on the README's deployment (`server.store: { redis }`, PostgreSQL,
 * two instances): every surface that writes a thread takes its lock, and only a caller who may
 * write the thread ever holds it.
 */
describe.skipIf(skipReason !== undefined)('the thread lock on every surface, for its writers only', () => {
  const servers = useRedisAndPostgres();

  it('refuses A2A message/send with the contextId and the MCP agent tool with the thread_id while a run works in the thread', async () => {
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [
        [toolCallTurn('delete_file', { path: '/tmp/s' }, { id: 'toolu_surfaces' }), textTurn('A done.')],
        [textTurn('A2A wrote into the busy thread.'), textTurn('MCP wrote into the busy thread.')],
      ],
      server: { a2a: true, mcp: { toolName: 'ask_agent' } },
    });
    const onA = await readmeSessionOf(a.client, 'alice');
    const onB = await readmeSessionOf(b.client, 'alice');
    const stream = createSseReader(
      await a.client.chat(onA, {
        messages: [{ role: 'user', content: 'delete /tmp/s' }],
        thread_id: 'thr-surfaces',
      }),
    );
    const approval = await stream.nextOfType('tool_approval_request');

    const a2a = await a2aClientFor(originOf(b.client.baseUrl), onB);
    await expect(
      a2a.sendMessage(sendRequest(userMessage('from A2A', { contextId: 'thr-surfaces' }))),
    ).rejects.toThrow(/Another run is working in thread thr-surfaces/);
    const { client: mcp } = await connectV1Client(b.client.baseUrl, onB);
    cleanup.add(mcp, (open) => open.close());
    const called = await mcp.callTool({
      name: 'ask_agent',
      arguments: { message: 'from MCP', thread_id: 'thr-surfaces' },
    });
    expect(called.isError).toBe(true);
    expect(mcpResultText(called)).toContain('HTTP 409');

    const answered = await a.client.post(
      '/chat/tool-approval',
      { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
      { token: onA },
    );
    expect(answered.status).toBe(200);
    expect(textOf(await stream.rest())).toBe('A done.');
    expect(await settledRunStatuses(a.client, onA, 'thr-surfaces')).toEqual(['completed']);
    expect(b.provider.requests).toHaveLength(0);
  });

  // On one instance (its stores in memory) a held lock answers 409 at once; across instances
  // the owner's message waits for a lock whose holder never registered a run.
  it.each([
    { setup: 'two instances on Redis', server: {}, instances: 2 },
    { setup: 'one instance, stores in memory', server: { store: 'memory' as const }, instances: 1 },
  ])(
    'never answers the owner 409 while 16 sessions of another key post to her thread ($setup)',
    async (setup) => {
      const messages = 8;
      const { a, b } = await startReadmeDeployment(cleanup, servers, {
        turns: [Array.from({ length: messages }, (_, index) => textTurn(`Reply ${index}.`)), []],
        otherKeys: ['stranger-key'],
        server: setup.server,
      });
      const owner = await readmeSessionOf(a.client, 'alice');
      const first = await a.client.chat(owner, {
        messages: [{ role: 'user', content: 'message 0' }],
        thread_id: 'thr-owned',
      });
      expect(textOf(await readAllSseFrames(first))).toBe('Reply 0.');

      const strangers = await Promise.all(
        Array.from({ length: 16 }, async (_, index) => {
          const gateway = setup.instances === 2 && index % 2 === 1 ? b : a;
          return { gateway, token: (await gateway.client.openSession('stranger-key')).token };
        }),
      );
      let posting = true;
      const strangerStatuses = new Set<number>();
      const flood = Promise.all(
        strangers.map(async ({ gateway, token }) => {
          while (posting) {
            const response = await gateway.client.chat(token, {
              messages: [{ role: 'user', content: 'let me in' }],
              thread_id: 'thr-owned',
            });
            strangerStatuses.add(response.status);
            await response.body?.cancel();
          }
        }),
      );
      const ownerStatuses: number[] = [];
      for (let index = 1; index < messages; index += 1) {
        const response = await a.client.chat(owner, {
          messages: [{ role: 'user', content: `message ${index}` }],
          thread_id: 'thr-owned',
        });
        ownerStatuses.push(response.status);
        if (response.status === 200) expect(textOf(await readAllSseFrames(response))).toBe(`Reply ${index}.`);
        else await response.body?.cancel();
      }
      posting = false;
      await flood;
      expect(ownerStatuses).toEqual(Array.from({ length: messages - 1 }, () => 200));
      expect([...strangerStatuses]).toEqual([404]);
    },
  );
});
