import { HttpAgent } from '@ag-ui/client';
import type { UIMessage } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createUiChatClient } from '../helpers/ui-chat-client.js';
import { waitFor } from '../helpers/wait-for.js';
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

const approvalIdOf = (part: UIMessage['parts'][number] | undefined): string =>
  part !== undefined && 'approval' in part ? (part.approval?.id ?? '') : '';

describe.skipIf(skipReason !== undefined)(
  'useChat and AG-UI against several instances sharing one Redis',
  () => {
    let redis: RedisServerProcess;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('starts on A, is approved through B, and resumes whole on C while A still runs it', async () => {
      const [a, b, c] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [
            toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_x1' }),
            textTurn('The file is gone now, exactly as you asked.', { eventDelayMs: 40 }),
          ],
          [],
          [],
        ],
      });
      if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
      const session = await a.client.openSession();
      let target = a.client.baseUrl;
      const client = createUiChatClient({ baseUrl: () => target, token: session.token });
      await client.chat.sendMessage({ text: 'Delete /tmp/x' });
      const asked = client.lastParts().find((part) => part.type === 'tool-delete_file');
      expect(asked).toMatchObject({ state: 'approval-requested' });

      // The balancer sends the approval to B, which does not hold the run.
      target = b.client.baseUrl;
      void client.chat.addToolApprovalResponse({ id: approvalIdOf(asked), approved: true });
      await waitFor(
        () => client.lastParts().some((part) => part.type === 'text' && part.text.length > 0) || undefined,
      );

      // A reload lands on C, which holds nothing: it replays the whole message from the shared log.
      target = c.client.baseUrl;
      const reloaded = createUiChatClient({ baseUrl: () => c.client.baseUrl, token: session.token });
      await reloaded.chat.resumeStream();
      await client.finishedTimes(2);

      expect(client.errors).toEqual([]);
      expect(reloaded.errors).toEqual([]);
      expect(a.deleted).toEqual(['/tmp/x']);
      expect(b.deleted).toEqual([]);
      for (const view of [client, reloaded]) {
        expect(view.chat.messages.at(-1)?.id).toBe(client.chat.messages.at(-1)?.id);
        expect(view.lastParts()).toContainEqual(
          expect.objectContaining({
            type: 'tool-delete_file',
            state: 'output-available',
            output: { deleted: '/tmp/x' },
          }),
        );
        expect(view.lastParts().at(-1)).toMatchObject({
          type: 'text',
          text: 'The file is gone now, exactly as you asked.',
        });
      }
      expect((await c.client.get('/ui/chat/chat_1/stream', { token: session.token })).status).toBe(204);
    }, 30_000);

    it('AG-UI: interrupted on A, resumed through B, and the run A holds continues', async () => {
      const [a, b] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [[toolCallTurn('delete_file', { path: '/tmp/y' }, { id: 'toolu_y1' }), textTurn('Gone.')], []],
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      const session = await a.client.openSession();
      let target = `${a.client.baseUrl}/ag-ui`;
      const agent = new HttpAgent({
        url: 'set per request',
        headers: { Authorization: `Bearer ${session.token}` },
        fetch: (_url, init) => fetch(target, init),
      });
      agent.addMessage({ id: 'u1', role: 'user', content: 'Delete /tmp/y' });
      await agent.runAgent();
      const interrupt = agent.pendingInterrupts[0];
      expect(interrupt).toMatchObject({ toolCallId: 'toolu_y1' });

      target = `${b.client.baseUrl}/ag-ui`;
      await agent.runAgent({
        resume: [{ interruptId: interrupt?.id ?? '', status: 'resolved', payload: { approved: true } }],
      });
      expect(a.deleted).toEqual(['/tmp/y']);
      expect(agent.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Gone.' });
    }, 30_000);
  },
);
