import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from '../helpers/gateway-client.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
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

/*
 * Double texting from the frontends across two instances sharing Redis and a database: a run
 * waits on instance A (for an approval) and the user's next message, from `useChat` or an AG-UI
 * client, reaches instance B.
 */

/** How each frontend sends a new user message with a `multitask` strategy. */
const frontends = {
  useChat: (client: GatewayClient, token: string, chatId: string, text: string, multitask: string) =>
    client.post(
      '/ui/chat',
      {
        id: chatId,
        messages: [{ id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] }],
        trigger: 'submit-message',
        multitask,
      },
      { token },
    ),
  agUi: (client: GatewayClient, token: string, threadId: string, text: string, multitask: string) =>
    client.post(
      '/ag-ui',
      {
        threadId,
        runId: crypto.randomUUID(),
        messages: [{ id: crypto.randomUUID(), role: 'user', content: text }],
        tools: [],
        context: [],
        forwardedProps: { multitask },
      },
      { token },
    ),
};

/** The text a frontend stream carries: its text deltas (both protocols name them `delta`), joined. */
const streamedText = async (response: Response): Promise<string> =>
  [...(await response.text()).matchAll(/^data: (\{.*)$/gm)]
    .map((match) => JSON.parse(match[1] ?? 'null') as { delta?: unknown } | null)
    .map((chunk) => (typeof chunk?.delta === 'string' ? chunk.delta : ''))
    .join('');

/** The thread's run records, once `count` of them are recorded and none runs any more. */
const endedRunsOf = (client: GatewayClient, token: string, threadId: string, count: number) =>
  waitFor(async () => {
    const listed = await jsonOf(await client.get(`/threads/${threadId}/runs`, { token }));
    const runs = listed['runs'] as Array<Record<string, unknown>> | undefined;
    return runs?.length === count && runs.every((run) => run['status'] !== 'running') ? runs : undefined;
  });

describe.skipIf(skipReason !== undefined)('double texting from the frontends across two instances', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  describe.each(Object.entries(frontends))('on %s', (name, send) => {
    it('interrupt through B cancels the run on A, answers on B, and B records it', async () => {
      const [a, b] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [toolCallTurn('delete_file', { path: '/tmp/i' }, { id: 'toolu_i' })],
          [textTurn('New plan.')],
        ],
        server: { database: createMemoryThreadStore() },
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      const session = await a.client.openSession();
      const threadId = `${name}-interrupt`;
      const onA = createSseReader(
        await a.client.chat(session.token, {
          messages: [{ role: 'user', content: 'delete /tmp/i' }],
          thread_id: threadId,
        }),
      );
      await onA.nextOfType('tool_approval_request');

      const second = await send(b.client, session.token, threadId, 'never mind', 'interrupt');
      expect(second.status).toBe(200);
      expect(await streamedText(second)).toContain('New plan.');
      expect(eventsOf(await onA.rest()).at(-1)).toMatchObject({ type: 'error' });
      expect(a.deleted).toEqual([]);
      expect(b.provider.requests).toHaveLength(1);
      const sent = JSON.stringify(b.provider.requests[0]?.messages);
      expect(sent).toContain('delete /tmp/i');
      expect(sent).toContain('never mind');

      const runs = await endedRunsOf(a.client, session.token, threadId, 2);
      const interrupted = runs.find((run) => run['status'] === 'cancelled');
      const newer = runs.find((run) => run !== interrupted);
      expect(interrupted).toMatchObject({ multitask_strategy: 'reject', interrupted_run_id: null });
      expect(newer).toMatchObject({
        status: 'completed',
        multitask_strategy: 'interrupt',
        interrupted_run_id: interrupted?.['run_id'],
      });
    });

    it('steer through B reaches the run on A before its next model call, and B streams the rest', async () => {
      const [a, b] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [toolCallTurn('delete_file', { path: '/tmp/s' }, { id: 'toolu_s' }), textTurn('Kept a copy.')],
          [],
        ],
        server: { database: createMemoryThreadStore() },
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      const session = await a.client.openSession();
      const threadId = `${name}-steer`;
      const onA = createSseReader(
        await a.client.chat(session.token, {
          messages: [{ role: 'user', content: 'delete /tmp/s' }],
          thread_id: threadId,
        }),
      );
      const request = await onA.nextOfType('tool_approval_request');

      const steered = await send(b.client, session.token, threadId, 'keep a copy first', 'steer');
      expect(steered.status).toBe(200);
      const approved = await b.client.post(
        '/chat/tool-approval',
        { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
        { token: session.token },
      );
      expect(approved.status).toBe(200);
      expect(await streamedText(steered)).toContain('Kept a copy.');
      const events = eventsOf(await onA.rest());
      expect(events).toContainEqual({ type: 'steering_message', content: 'keep a copy first' });
      expect(events.at(-1)).toMatchObject({ type: 'stream_complete' });
      expect(JSON.stringify(a.provider.requests[1]?.messages.at(-1))).toContain('keep a copy first');
      expect(b.provider.requests).toHaveLength(0);

      // No run of its own: the one run of the thread is A's, which took the message.
      const runs = await endedRunsOf(b.client, session.token, threadId, 1);
      expect(runs[0]).toMatchObject({ status: 'completed', multitask_strategy: 'reject' });
      expect(a.deleted).toEqual(['/tmp/s']);
    });
  });
});
