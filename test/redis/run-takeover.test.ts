import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolResultBlock } from '../../src/core/messages.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways, type ExtraTool } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Resolves when the signal aborts (a tool that never finishes on its own). */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

/**
 * `send_report` (not idempotent) and `read_status` (idempotent): on instance 0 both hang, as if
 * the instance died mid-call; elsewhere they answer at once. Every call is recorded.
 */
const slowOnFirstInstance =
  (calls: string[]) =>
  (index: number): ExtraTool[] => [
    {
      definition: {
        name: 'send_report',
        description: 'Sends the report',
        input_schema: { type: 'object', properties: {} },
      },
      handler: (_input, context) => {
        calls.push(`${index}:send_report`);
        return index === 0 ? untilAborted(context.signal) : { sent: true };
      },
    },
    {
      definition: {
        name: 'read_status',
        description: 'Reads the status',
        input_schema: { type: 'object', properties: {} },
        idempotent: true,
      },
      handler: (_input, context) => {
        calls.push(`${index}:read_status`);
        return index === 0 ? untilAborted(context.signal) : { status: 'green' };
      },
    },
  ];

/** The tool_result blocks of the last message the model received. */
const lastToolResults = (messages: readonly { content: unknown }[] | undefined): ToolResultBlock[] => {
  const content = messages?.at(-1)?.content;
  return Array.isArray(content)
    ? content.filter((block): block is ToolResultBlock => (block as ToolResultBlock).type === 'tool_result')
    : [];
};

describe.skipIf(skipReason !== undefined)('a run outlives the instance that ran it', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it.each([
    ['send_report', 'the model is told the call was interrupted'],
    ['read_status', 'the idempotent call runs again'],
  ])(
    'when the instance running %s loses Redis, another takes over: %s, and one gap-free sequence ends the run',
    async (toolName) => {
      const calls: string[] = [];
      const continued = [textTurn('Finished elsewhere.')];
      const gateways = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [
          [toolCallTurn(toolName, {}, { id: 'toolu_inflight', text: 'Working.' })],
          continued,
          continued,
        ],
        server: { runLeaseMs: 600, metrics: true },
        extraTools: slowOnFirstInstance(calls),
      });
      const [a, b, c] = gateways;
      if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
      const session = await a.client.openSession();
      const onA = createSseReader(await a.client.chat(session.token, 'go'));
      const first = await onA.next();

      // A follower through C reads the shared log from the start.
      const onC = createSseReader(
        await c.client.get('/chat/stream', {
          token: session.token,
          headers: { 'last-event-id': `${first?.runId}:0` },
        }),
      );
      await onC.nextOfType('tool_call_start');
      // A is cut off from Redis mid-call: it can no longer renew its lease or write its log.
      a.stores.client.disconnect();

      const rest = await onC.rest();
      const seen = onC.frames.filter((frame) => frame.id !== undefined);
      expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
      expect(new Set(seen.map((frame) => frame.runId))).toEqual(new Set([first?.runId]));
      const types = eventsOf(seen).map((event) => event.type);
      expect(types.slice(types.indexOf('stream_retry'))).toEqual([
        'stream_retry',
        'tool_call_start',
        'tool_call_complete',
        'text_delta',
        'text_delta',
        'stream_complete',
      ]);
      expect(rest.at(-1)?.event.type).toBe('stream_complete');

      const survivor = [b, c].find((gateway) => gateway.provider.requests.length > 0);
      expect(survivor).toBeDefined();
      const results = lastToolResults(survivor?.provider.requests[0]?.messages);
      expect(results.map((block) => block.tool_use_id)).toEqual(['toolu_inflight']);
      const survivorIndex = survivor === b ? 1 : 2;
      if (toolName === 'send_report') {
        expect(results[0]?.is_error).toBe(true);
        expect(results[0]?.content).toContain('interrupted');
        expect(calls).toEqual(['0:send_report']);
      } else {
        expect(results[0]?.is_error).not.toBe(true);
        expect(results[0]?.content).toContain('green');
        expect(calls).toEqual(['0:read_status', `${survivorIndex}:read_status`]);
      }
      // The continuation kept the history of the first part: the model saw its own tool call.
      expect(survivor?.provider.requests[0]?.messages.map((message) => message.role)).toEqual([
        'user',
        'assistant',
        'user',
      ]);

      // The survivor counts the takeover.
      const scraped = await (await fetch(`${new URL(survivor?.client.baseUrl ?? '').origin}/metrics`)).text();
      expect(scraped).toContain('agent_gateway_run_takeovers_total{outcome="resumed"} 1');
      expect(Number(/^agent_gateway_redis_round_trips_total (\d+)$/m.exec(scraped)?.[1])).toBeGreaterThan(10);

      // The session is free again: a new chat starts on the survivor.
      const again = await (survivor ?? b).client.chat(session.token, 'again');
      expect(again.status).toBe(200);
      await again.body?.cancel();
    },
  );

  it('hands a running run over to another instance when its instance closes with handOverRunsOnClose', async () => {
    const calls: string[] = [];
    const continued = [textTurn('Finished elsewhere.')];
    const [a, b, c] = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[toolCallTurn('read_status', {}, { id: 'toolu_status' })], continued, continued],
      server: { runLeaseMs: 60_000, handOverRunsOnClose: true },
      extraTools: slowOnFirstInstance(calls),
    });
    if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'go'));
    const first = await onA.next();
    const onC = createSseReader(
      await c.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${first?.runId}:0` },
      }),
    );
    await onC.nextOfType('tool_call_start');

    // A rolling deploy stops A: its run is not cancelled but continued by B or C at once,
    // long before the (60 s) lease would have lapsed.
    await a.client.close();
    const restOnA = await onA.rest();
    expect(restOnA.some((frame) => frame.event.type === 'error')).toBe(false);
    const rest = await onC.rest();
    expect(rest.at(-1)?.event.type).toBe('stream_complete');
    const seen = onC.frames.filter((frame) => frame.id !== undefined);
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    const events = eventsOf(seen);
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
    expect(events.filter((event) => event.type === 'stream_retry')).toHaveLength(1);
    // The idempotent call was cut short on A and made again on the instance that took over.
    expect(calls).toHaveLength(2);
    expect(calls[0]).toBe('0:read_status');
  });
});
