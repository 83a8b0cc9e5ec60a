import { afterEach, describe, expect, it } from 'vitest';
import { createTurnText } from '../../src/server/protocols/turn-text.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { mcpResultText } from '../helpers/mcp-result-text.js';
import { connectV2Client } from '../helpers/mcp-sdk-v2-client.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';
import { startRedisGateways, type ExtraTool, type RedisGateway } from './helpers/start-redis-gateways.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** The shutdown budget of the instance that is stopped; its answer outlasts it. */
const TIMEOUT_MS = 4_000;

/** `read_status`, answered at once; each call is recorded as `<instance>:read_status`. */
const readStatus =
  (calls: string[]) =>
  (index: number): ExtraTool[] => [
    {
      definition: {
        name: 'read_status',
        description: 'Reads the status',
        input_schema: { type: 'object', properties: {} },
      },
      handler: () => {
        calls.push(`${index}:read_status`);
        return { status: 'green' };
      },
    },
  ];

/** A long answer streamed word by word, 50 ms apart: it outlasts the shutdown's grace. */
const slowAnswer = textTurn(Array.from({ length: 200 }, (_word, index) => `word${index}`).join(' '), {
  eventDelayMs: 50,
});

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

describe.skipIf(skipReason !== undefined)('an MCP call when its instance shuts down', () => {
  const servers = useRedisAndPostgres();

  it('ends its stream without a result, and the SDK client resumes on the other instance and gets the result once', async () => {
    const calls: string[] = [];
    const [a, b] = await startRedisGateways(cleanup, {
      url: servers.redis.url,
      turns: [
        [toolCallTurn('read_status', {}, { id: 'toolu_status', text: 'Checking.' }), slowAnswer],
        [textTurn('All green, finished on B.')],
      ],
      server: {
        runLeaseMs: 60_000,
        database: { postgres: await servers.postgres.createDatabase() },
        shutdown: { timeoutMs: TIMEOUT_MS },
        mcp: { toolName: 'ask_agent' },
      },
      extraTools: readStatus(calls),
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
      const headers = new Headers(init?.headers);
      served.push({
        method: init?.method ?? 'GET',
        lastEventId: headers.get('last-event-id'),
        instance: target === a ? 'A' : 'B',
        body: response.clone().text(),
      });
      return response;
    };
    const { client } = await connectV2Client(a.client.baseUrl, session.token, undefined, balancer);
    cleanup.add(client, (open) => open.close());

    const progress: string[] = [];
    const result = await client.callTool(
      { name: 'ask_agent', arguments: { message: 'status?' } },
      {
        timeout: 60_000,
        onprogress: ({ message }) => {
          progress.push(message ?? '');
          if (target === a && message?.includes('word') === true) {
            target = b;
            void a.client.close();
          }
        },
      },
    );

    const text = mcpResultText(result);
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
  });
});
