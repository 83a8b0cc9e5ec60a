import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTurnText } from '../../src/server/protocols/turn-text.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { mcpResultText } from '../helpers/mcp-result-text.js';
import { connectV1Client } from '../helpers/mcp-sdk-v1-client.js';
import { connectV2Client } from '../helpers/mcp-sdk-v2-client.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { startRedisGateways, type RedisGateway } from './helpers/start-redis-gateways.js';
import { HAND_OVER_TIMEOUT_MS, readStatusTool, slowAnswer } from './helpers/hand-over-fixtures.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** One request the client sent, the instance that served it, and the response's text. */
interface Served {
  method: string;
  lastEventId: string | null;
  instance: 'A' | 'B';
  body: Promise<string>;
}

/**
 * What the call answers as the run's shared log holds it, read on `gateway` once it ended: the
 * result's text (turns apart, a retried attempt's text dropped) and the text each progress
 * notification adds, in order.
 */
async function loggedCall(
  gateway: RedisGateway,
  token: string,
): Promise<{ text: string; progress: string[] }> {
  const frames = await createSseReader(await gateway.client.get('/chat/stream', { token })).rest();
  const events = eventsOf(frames);
  expect(events.at(-1)?.type).toBe('stream_complete');
  expect(events.filter((event) => event.type === 'tool_call_complete')).toHaveLength(1);
  const turns = createTurnText();
  const progress: string[] = [];
  for (const event of events) {
    const added = turns.fold(event);
    if (added !== undefined) progress.push(added);
  }
  return { text: turns.joined, progress };
}

/** How the test calls the tool, whichever SDK's client it is. */
interface CallOptions {
  timeout: number;
  onprogress: (progress: { message?: string | undefined }) => void;
}

/** A connected SDK client: `call` calls `ask_agent` with `{message: "status?"}`. */
interface ConnectedClient {
  call: (options: CallOptions) => Promise<unknown>;
  close: () => Promise<void>;
}

/** Connects an SDK client to `baseUrl` with `token`, its requests sent through `balancer`. */
type Connect = (baseUrl: string, token: string, balancer: typeof fetch) => Promise<ConnectedClient>;

const statusCall = { name: 'ask_agent', arguments: { message: 'status?' } };

/**
 * Two instances on the README's setup (Redis stores, one PostgreSQL database): a call of the
 * agent's tool starts on A, which reads the status then streams a long answer; A is closed at
 * the first word, and the balancer sends everything after to B. Returns what the client got
 * and what each instance served.
 */
async function callHandedOver(
  servers: ReturnType<typeof useRedisAndPostgres>,
  connect: Connect,
  options: { slowAppendsMs?: number } = {},
) {
  const calls: string[] = [];
  const [a, b] = await startRedisGateways(cleanup, {
    url: servers.redis.url,
    turns: [
      [toolCallTurn('read_status', {}, { id: 'toolu_status', text: 'Checking.' }), slowAnswer()],
      [textTurn('All green, finished on B.')],
    ],
    server: {
      runLeaseMs: 60_000,
      database: { postgres: await servers.postgres.createDatabase() },
      shutdown: { timeoutMs: HAND_OVER_TIMEOUT_MS },
      mcp: { toolName: 'ask_agent' },
    },
    extraTools: readStatusTool(calls),
  });
  if (a === undefined || b === undefined) throw new Error('two gateways expected');
  const session = await a.client.openSession();
  // A balancer: every request to the instance still up, A until it shuts down.
  let target = a;
  const served: Served[] = [];
  const balancer: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    url.host = new URL(target.client.baseUrl).host;
    const response = await fetch(url, init);
    const method = init?.method ?? 'GET';
    const lastEventId = new Headers(init?.headers).get('last-event-id');
    // A 2025-11-25 session's own GET stream stays open: only calls and resumes are kept.
    if (method === 'POST' || lastEventId !== null) {
      const instance = target === a ? 'A' : 'B';
      served.push({ method, lastEventId, instance, body: response.clone().text() });
    }
    return response;
  };
  // From the shutdown on, each write of A's events to Redis takes `slowAppendsMs` longer: A ends
  // its streams while the last deltas it streamed are still being stored.
  const { slowAppendsMs } = options;
  if (slowAppendsMs !== undefined) {
    const runEvents = a.stores.runEvents;
    if (runEvents === undefined) throw new Error('Redis stores keep run events');
    const append = runEvents.append.bind(runEvents);
    runEvents.append = async (...args) => {
      if (target === b) await delay(slowAppendsMs);
      return append(...args);
    };
  }
  const client = await connect(a.client.baseUrl, session.token, balancer);
  cleanup.add(client, (open) => open.close());
  const progress: string[] = [];
  const result = await client.call({
    timeout: 60_000,
    onprogress: ({ message }) => {
      progress.push(message ?? '');
      if (target === a && message?.includes('word') === true) {
        target = b;
        void a.client.close();
      }
    },
  });
  return { a, b, calls, session, served, progress, text: mcpResultText(result) };
}

/** What every client must see: the result once, on B's resumed stream, nothing lost or repeated. */
async function expectResumedOnB(handedOver: Awaited<ReturnType<typeof callHandedOver>>): Promise<void> {
  const { a, b, calls, session, served, progress, text } = handedOver;
  const logged = await loggedCall(b, session.token);
  expect(text).toBe(logged.text);
  // The answer cut at the shutdown was asked again on B (a `stream_retry`): its text replaces it.
  expect(text).toBe('All green, finished on B.');
  // Progress from A, then from B: every piece of text the run wrote once, none twice.
  expect(progress).toEqual(logged.progress);
  expect(progress.some((message) => message.startsWith('word'))).toBe(true);
  const resumes = served.filter((request) => request.method === 'GET');
  expect(resumes).toHaveLength(1);
  expect(resumes[0]?.instance).toBe('B');
  expect(resumes[0]?.lastEventId).toMatch(/^mcp1\./);
  // The result once, on the stream B served; A's stream ended with the position and no message.
  const bodies = await Promise.all(served.map((request) => request.body));
  const results = bodies.map((body) => body.split('"result":{"content":').length - 1);
  expect(results.reduce((sum, count) => sum + count, 0)).toBe(1);
  expect(results[served.indexOf(resumes[0] as Served)]).toBe(1);
  const callStream = bodies.find(
    (body, index) => served[index]?.instance === 'A' && body.includes('progress'),
  );
  expect(callStream?.trimEnd().endsWith(`id: ${resumes[0]?.lastEventId}\ndata:`)).toBe(true);
  // The tool ran once; A's model gave its two turns, B's the finished one, each once.
  expect(calls).toEqual(['0:read_status']);
  expect(a.provider.requests).toHaveLength(2);
  expect(b.provider.requests).toHaveLength(1);
  b.provider.assertAllConsumed();
}

/** The progress notifications of a call's stream as it was sent: each one's event id and text. */
function progressFramesOf(body: string): { id: string | undefined; message: string }[] {
  const frames: { id: string | undefined; message: string }[] = [];
  for (const frame of body.split('\n\n')) {
    const data = /^data: (.+)$/m.exec(frame)?.[1];
    if (data === undefined) continue;
    const message = JSON.parse(data) as { method?: string; params?: { message?: string } };
    if (message.method !== 'notifications/progress') continue;
    frames.push({ id: /^id: (\S+)$/m.exec(frame)?.[1], message: message.params?.message ?? '' });
  }
  return frames;
}

describe.skipIf(skipReason !== undefined)('an MCP call when its instance shuts down', () => {
  const servers = useRedisAndPostgres();

  it('2026-07-28 (SDK v2 client): ends its stream without a result, and the client resumes on the other instance and gets the result once', async () => {
    const handedOver = await callHandedOver(servers, async (baseUrl, token, balancer) => {
      const { client } = await connectV2Client(baseUrl, token, undefined, balancer);
      return { call: (options) => client.callTool(statusCall, options), close: () => client.close() };
    });
    await expectResumedOnB(handedOver);
  });

  it('2025-11-25 (SDK v1 client): ends its stream without a result, and the client resumes on the other instance and gets the result once', async () => {
    const handedOver = await callHandedOver(servers, async (baseUrl, token, balancer) => {
      const { client } = await connectV1Client(baseUrl, token, undefined, balancer);
      return {
        call: (options) => client.callTool(statusCall, undefined, options),
        close: () => client.close(),
      };
    });
    await expectResumedOnB(handedOver);
  });

  it('2026-07-28: when A stores its last deltas only after ending its stream, the client resumed on B still gets each of them once', async () => {
    const handedOver = await callHandedOver(
      servers,
      async (baseUrl, token, balancer) => {
        const { client } = await connectV2Client(baseUrl, token, undefined, balancer);
        return { call: (options) => client.callTool(statusCall, options), close: () => client.close() };
      },
      { slowAppendsMs: 150 },
    );
    await expectResumedOnB(handedOver);
  });

  // A client's position may lie before the part of the log B holds: A's last events were stored
  // after A ended its stream (their ids never reached the client), or the client lost the end of
  // A's stream. B must send everything after it, from the shared log, then from its own.
  it('2026-07-28: resumed on B from an event before the part of the run B took over, sends every later delta once and the result', async () => {
    const handedOver = await callHandedOver(servers, async (baseUrl, token, balancer) => {
      const { client } = await connectV2Client(baseUrl, token, undefined, balancer);
      return { call: (options) => client.callTool(statusCall, options), close: () => client.close() };
    });
    await expectResumedOnB(handedOver);
    const { b, session, served } = handedOver;
    const bodies = await Promise.all(served.map((request) => request.body));
    const fromA = progressFramesOf(
      bodies.find((body, index) => served[index]?.instance === 'A' && body.includes('progress')) ?? '',
    );
    // Resumed after A's first word: every word A streamed after it is in the part B does not hold.
    const position = fromA.findIndex((frame) => frame.message.includes('word0'));
    expect(position).toBeGreaterThanOrEqual(0);
    expect(fromA.length).toBeGreaterThan(position + 2);
    const lastEventId = fromA[position]?.id ?? '';
    expect(lastEventId).toMatch(/^mcp1\./);
    const resumed = await fetch(`${b.client.baseUrl}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${session.token}`,
        'mcp-protocol-version': '2026-07-28',
        'last-event-id': lastEventId,
      },
    });
    expect(resumed.status).toBe(200);
    const body = await resumed.text();
    const logged = await loggedCall(b, session.token);
    expect(progressFramesOf(body).map((frame) => frame.message)).toEqual(logged.progress.slice(position + 1));
    expect(body.split('"result":{"content":')).toHaveLength(2);
    expect(body).toContain(JSON.stringify('All green, finished on B.'));
  });
});
