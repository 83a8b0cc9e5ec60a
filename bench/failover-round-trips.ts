/**
 * What fast failover costs in Redis round trips (issue 21): one `createAgent` instance on a
 * local `redis-server`, its Redis stores built here so that their round-trip counter
 * (`roundTrips()`, the `agent_gateway_redis_round_trips_total` metric) can be read. Measures the
 * round trips per second of an idle instance (heartbeat and scans), then of the same instance
 * holding N runs that wait in a tool (lease renewals), and the round trips of one whole chat.
 * Writes bench/results/failover-round-trips.json.
 *
 *   npx tsx bench/failover-round-trips.ts [runs=50] [windowSeconds=20]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createRedisStores } from '../src/stores/redis/create-redis-stores.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { startLocalRedisServer } from './lib/local-redis-server.js';
import { describeMachine } from './lib/machine-info.js';

const runs = Number(process.argv[2] ?? 50);
const windowSeconds = Number(process.argv[3] ?? 20);

const redis = await startLocalRedisServer();
/** `hold` chats wait in their tool until the end; any other chat answers at once. */
const upstream = await createMockUpstream({
  respond: (request) =>
    JSON.stringify(request.body).includes('hold')
      ? toolCallTurn('wait_a_bit', {}, { id: 'toolu_wait' })
      : textTurn('A short answer.'),
});
const stores = createRedisStores({ url: redis.url, keyPrefix: 'bench:' });
const app = createAgent({
  systemPrompt: 'You wait when asked.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: upstream.url },
  thinking: false,
  tools: [
    tool({
      name: 'wait_a_bit',
      description: 'Waits until the run is stopped',
      inputSchema: { type: 'object', properties: {} },
      execute: (_input, context) =>
        new Promise((resolve) => context.signal.addEventListener('abort', () => resolve({}), { once: true })),
    }),
  ],
  server: {
    allowedModels: [],
    store: stores,
    heartbeatIntervalMs: 600_000,
    // One session per chat, every one from 127.0.0.1, all with one API key.
    sessionRateLimit: { sessions: 1_000_000, windowMs: 60_000 },
    maxRunsPerApiKey: 10_000,
  },
});

/** Round trips per second over `seconds`. */
const rate = async (seconds: number): Promise<number> => {
  const before = stores.roundTrips();
  await sleep(seconds * 1_000);
  return (stores.roundTrips() - before) / seconds;
};

try {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await app.start();
      break;
    } catch (error) {
      if (attempt >= 50) throw error;
      await sleep(100);
    }
  }
  const listening = await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `${listening.url}${app.prefix}`;
  const openSession = async (): Promise<string> => {
    const response = await fetch(`${base}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'bench-client' }),
    });
    return ((await response.json()) as { session_token: string }).session_token;
  };
  /** Starts a chat and reads until `until` appears; returns the still open body reader. */
  const chat = async (text: string, until: string) => {
    const response = await fetch(`${base}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await openSession()}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: text }] }),
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    if (reader === undefined) throw new Error(`chat failed: ${response.status}`);
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes(until)) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before ${until}: ${seen}`);
      seen += decoder.decode(value, { stream: true });
    }
    return reader;
  };

  await sleep(2_000);
  const idlePerSecond = await rate(windowSeconds);

  // Whole short chats (session init included), one after another on an otherwise idle
  // instance; the heartbeats of that time are taken out.
  const chatCount = 50;
  const chatBefore = stores.roundTrips();
  const chatsStarted = performance.now();
  for (let index = 0; index < chatCount; index += 1) await (await chat('answer', 'stream_complete')).cancel();
  await sleep(500);
  const chatSeconds = (performance.now() - chatsStarted) / 1_000;
  const perChat = (stores.roundTrips() - chatBefore - idlePerSecond * chatSeconds) / chatCount;

  const held = [];
  for (let index = 0; index < runs; index += 1) held.push(await chat('hold', 'tool_call_start'));
  await sleep(2_000);
  const heldPerSecond = await rate(windowSeconds);
  const perRunPerSecond = (heldPerSecond - idlePerSecond) / runs;

  const figures = { idlePerSecond, heldPerSecond, perRunPerSecond, perChat, runs, windowSeconds };
  console.log(JSON.stringify(figures, null, 2));
  await Promise.all(held.map((reader) => reader.cancel()));
  const benchDir = dirname(fileURLToPath(import.meta.url));
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(
    join(benchDir, 'results', 'failover-round-trips.json'),
    `${JSON.stringify(
      {
        command: `npx tsx bench/failover-round-trips.ts ${runs} ${windowSeconds}`,
        date: new Date().toISOString(),
        machine: describeMachine(),
        figures,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await app.close();
  await stores.close();
  await upstream.close();
  redis.process.kill('SIGTERM');
}
