/**
 * What Redis mode costs a chat: the same agent (`createAgent`, real Anthropic SDK against an
 * in-process mock upstream) served twice in one process, once on the in-memory store and once
 * on a local `redis-server`, each over a real socket on 127.0.0.1. N sequential chats per mode,
 * in interleaved rounds of 10 (alternating which goes first), each on a fresh session (opened
 * outside the timed part). Records time to the first `text_delta` and to `stream_complete`.
 * In Redis mode every event is stored in Redis before any follower sees it (docs/scaling.md),
 * so the difference is mostly Redis round trips. Also records, per chat and mode, the process's CPU
 * time (client and mock upstream included, the same in both modes) and, in Redis mode, the round
 * trips the stores made (`roundTrips()`, a pipeline counts once; the chat's end included).
 * Writes bench/results/redis-mode-latency.json.
 *
 *   npx tsx bench/redis-mode-latency.ts [chats=500]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createRedisStores } from '../src/stores/redis/create-redis-stores.js';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createGatewayLoadClient } from './lib/gateway-load-client.js';
import { startLocalRedisServer } from './lib/local-redis-server.js';
import { summarize } from './lib/stats.js';

const chats = Number(process.argv[2] ?? 500);
const warmup = 50;
const roundSize = 10;

const redis = await startLocalRedisServer();
const upstream = await createMockUpstream({
  respond: () => textTurn('A short answer from the mock upstream, a few words long.'),
});
const agentOptions: CreateAgentOptions = {
  systemPrompt: 'You answer briefly.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: upstream.url },
  thinking: false,
};
const server = {
  allowedModels: [],
  // One session per chat, every one from 127.0.0.1.
  sessionRateLimit: { sessions: 1_000_000, windowMs: 60_000 },
  onError: (error: unknown, where: string) => console.error(where, error),
};
const memoryApp = createAgent({ ...agentOptions, server });
const redisStores = createRedisStores({ url: redis.url, connectTimeoutMs: 5_000 });
const redisApp = createAgent({ ...agentOptions, server: { ...server, store: redisStores } });

try {
  // redis-server needs a moment to listen; `start()` fails fast, so retry briefly.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await redisApp.start();
      break;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const [memoryServer, redisServer] = await Promise.all([
    memoryApp.listen({ host: '127.0.0.1', port: 0 }),
    redisApp.listen({ host: '127.0.0.1', port: 0 }),
  ]);
  const clients = {
    memory: createGatewayLoadClient(`${memoryServer.url}${memoryApp.prefix}`),
    redis: createGatewayLoadClient(`${redisServer.url}${redisApp.prefix}`),
  };
  const samples = {
    memory: { first: [] as number[], total: [] as number[], cpu: [] as number[] },
    redis: { first: [] as number[], total: [] as number[], cpu: [] as number[] },
  };
  const roundTripsPerChat: number[] = [];

  const once = async (mode: 'memory' | 'redis', record: boolean): Promise<void> => {
    const client = clients[mode];
    const token = await client.openSession();
    const roundTrips = redisStores.roundTrips();
    const cpu = process.cpuUsage();
    const observation = await client.chat(token, { text: 'hello' });
    // The run's end (lock, lease, retention) completes shortly after the client saw it.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const cpuUsed = process.cpuUsage(cpu);
    if (observation.terminal !== 'stream_complete' || observation.firstTextMs === undefined) {
      throw new Error(`${mode} chat did not complete: ${JSON.stringify(observation)}`);
    }
    if (!record) return;
    samples[mode].first.push(observation.firstTextMs);
    samples[mode].total.push(observation.totalMs);
    samples[mode].cpu.push((cpuUsed.user + cpuUsed.system) / 1_000);
    if (mode === 'redis') roundTripsPerChat.push(redisStores.roundTrips() - roundTrips);
  };

  for (let index = 0; index < warmup; index += 1) {
    await once('memory', false);
    await once('redis', false);
  }
  for (let round = 0; round * roundSize < chats; round += 1) {
    const order: Array<'memory' | 'redis'> = round % 2 === 0 ? ['memory', 'redis'] : ['redis', 'memory'];
    for (const mode of order) for (let index = 0; index < roundSize; index += 1) await once(mode, true);
  }

  const figures = {
    memoryFirstText: summarize(samples.memory.first),
    redisFirstText: summarize(samples.redis.first),
    memoryTotal: summarize(samples.memory.total),
    redisTotal: summarize(samples.redis.total),
    memoryCpuPerChat: summarize(samples.memory.cpu),
    redisCpuPerChat: summarize(samples.redis.cpu),
    redisRoundTripsPerChat: summarize(roundTripsPerChat),
  };
  const added = {
    firstTextP50Ms: figures.redisFirstText.p50 - figures.memoryFirstText.p50,
    firstTextP99Ms: figures.redisFirstText.p99 - figures.memoryFirstText.p99,
    totalP50Ms: figures.redisTotal.p50 - figures.memoryTotal.p50,
    cpuPerChatP50Ms: figures.redisCpuPerChat.p50 - figures.memoryCpuPerChat.p50,
  };
  const benchDir = dirname(fileURLToPath(import.meta.url));
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(
    join(benchDir, 'results', 'redis-mode-latency.json'),
    `${JSON.stringify(
      {
        command: `npx tsx bench/redis-mode-latency.ts ${chats}`,
        date: new Date().toISOString(),
        machine: {
          cpu: cpus()[0]?.model,
          cores: cpus().length,
          node: process.version,
          commit,
          loadAverage: loadavg()[0],
        },
        chatsPerMode: chats,
        figures,
        added,
      },
      null,
      2,
    )}\n`,
  );
  console.log(JSON.stringify({ figures, added }, null, 2));
} finally {
  await Promise.allSettled([memoryApp.close(), redisApp.close(), upstream.close()]);
  await redisStores.close();
  redis.process.kill('SIGTERM');
}
