/**
 * Pool sizes for docs/deploy.md, measured: one `agent-gateway serve` (the built package, the
 * mock model through the Anthropic SDK) on a private PostgreSQL (`DATABASE_URL`) and a private
 * Redis (`REDIS_URL`), the README's multi-instance configuration, holding `--streams` open chats
 * at once (default 0, 100 and 1000), each receiving one text delta every `--delay-ms` (1000).
 * For each size, sampled every 100 ms over `--window-s` seconds (5) once every stream has its
 * first delta: how many streams received bytes in the window (`live`), the PostgreSQL connections the gateway holds (`pg_stat_activity` of its
 * database: all, and those running a query) and the Redis connections it holds (`CLIENT LIST`,
 * the bench's own left out), peak and last.
 *
 *   npm run build && npx tsx bench/deploy-pools.ts --out bench/results/deploy/pools.json
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startPostgresServer } from '../test/helpers/postgres-server.js';
import { startRedisServer } from '../test/redis/helpers/start-redis-server.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { benchTurn, formatDirective } from './lib/bench-directive.js';
import { mapLimited } from './lib/run-workers.js';
import { postJson, startServeGateway, stopServeGateway } from './lib/serve-gateway.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '0,100,1000' },
    'delay-ms': { type: 'string', default: '1000' },
    'window-s': { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
const sizes = (values.streams ?? '').split(',').map(Number);
const delayMs = Number(values['delay-ms']);
const windowMs = Number(values['window-s']) * 1000;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The streams that received bytes since the window began (live streams, not stalled ones). */
const liveInWindow = new Set<string>();
let windowOpen = false;

/** Starts a chat that streams until `signal` aborts; resolves once its first bytes arrived. */
async function openStream(base: string, token: string, signal: AbortSignal): Promise<void> {
  const deltas = Math.ceil((windowMs * 4) / delayMs) + 120;
  const directive = formatDirective({ kind: 'paced', deltas, delayMs }, token.slice(-8));
  const response = await postJson(
    `${base}/chat`,
    { messages: [{ role: 'user', content: directive }] },
    token,
  );
  if (response.status !== 200 || response.body === null) throw new Error(`chat answered ${response.status}`);
  const reader = response.body.getReader();
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  if ((await reader.read()).done) throw new Error('the stream ended before its first delta');
  // Keep draining in the background until the size is done.
  void (async () => {
    try {
      while (!(await reader.read()).done) if (windowOpen) liveInWindow.add(token);
    } catch {
      // Cancelled at the end of the size.
    }
  })();
}

/** The connections the gateway holds now: PostgreSQL (all, running a query) and Redis. */
async function connections(database: pg.Client, redis: Redis) {
  const { rows } = await database.query<{ total: string; active: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE state = 'active') AS active
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  const clients = String(await redis.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes('name=bench-probe'));
  return {
    postgres: Number(rows[0]?.total ?? 0),
    postgresActive: Number(rows[0]?.active ?? 0),
    redis: clients.length,
  };
}

async function measureSize(base: string, database: pg.Client, redis: Redis, streams: number) {
  const tokens = await mapLimited(
    Array.from({ length: streams }, (_, index) => index),
    32,
    async (index) => {
      const opened = await postJson(`${base}/chat/init`, {
        api_key: 'bench',
        user: `pools-${streams}-${index}`,
      });
      return ((await opened.json()) as { session_token: string }).session_token;
    },
  );
  const stop = new AbortController();
  await mapLimited(tokens, 50, (token) => openStream(base, token, stop.signal));
  liveInWindow.clear();
  windowOpen = true;
  const peak = { postgres: 0, postgresActive: 0, redis: 0 };
  let last = await connections(database, redis);
  for (let elapsed = 0; elapsed < windowMs; elapsed += 100) {
    await sleep(100);
    last = await connections(database, redis);
    peak.postgres = Math.max(peak.postgres, last.postgres);
    peak.postgresActive = Math.max(peak.postgresActive, last.postgresActive);
    peak.redis = Math.max(peak.redis, last.redis);
  }
  windowOpen = false;
  const live = liveInWindow.size;
  stop.abort();
  await sleep(3000);
  return { streams, live, peak, last, load: Math.round((loadavg()[0] ?? 0) * 10) / 10 };
}

const postgres = await startPostgresServer();
const redisServer = await startRedisServer();
const databaseUrl = await postgres.createDatabase();
const upstream = await createMockUpstream({ recordRequests: false, respond: benchTurn });
const gateway = await startServeGateway({
  mode: 'default',
  upstreamUrl: upstream.url,
  label: 'deploy-pools',
  env: { DATABASE_URL: databaseUrl, REDIS_URL: redisServer.url },
  // One address and one key open every stream here: lift the per-address and per-key caps.
  server: { maxConcurrentRuns: 10_000, maxConnectionsPerAddress: 10_000, maxRunsPerApiKey: 10_000 },
});
const database = new pg.Client({ connectionString: databaseUrl });
await database.connect();
const redis = new Redis(redisServer.url, { connectionName: 'bench-probe' });
try {
  await sleep(2000);
  const results = [];
  for (const streams of sizes) results.push(await measureSize(gateway.base, database, redis, streams));
  const report = {
    machine: { cores: cpus().length, node: process.version, load: loadavg()[0] },
    command: 'npx tsx bench/deploy-pools.ts',
    delayMs,
    windowMs,
    results,
  };
  console.log(JSON.stringify(report, null, 2));
  if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await database.end();
  redis.disconnect();
  await stopServeGateway(gateway);
  await upstream.close();
  await redisServer.stop();
  await postgres.destroy();
}
