import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { startRedisServer, type RedisServerProcess } from './helpers/start-redis-server.js';
import { startChargeCardInstances } from './helpers/charge-card-instances.js';
import { raceApprovalsAtSuspension } from './helpers/approval-at-suspension.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
let redis: RedisServerProcess; let postgres: PostgresServer;
beforeAll(async () => { redis = await startRedisServer(); postgres = await startPostgresServer(); }, 120_000);
afterAll(async () => { await redis?.stop(); await postgres?.destroy(); }, 60_000);

it('scratch two', async () => {
  const url = await postgres.createDatabase();
  const charged: { cents: number }[] = [];
  const errors: string[] = [];
  const S = Number(process.env.S ?? 100);
  const { a, b } = await startChargeCardInstances(cleanup, {
    redisUrl: redis.url, keyPrefix: 'x', callIdPrefix: 'r', database: () => ({ postgres: url }),
    logger: () => ({ debug() {}, info() {}, warn() {}, error() {} }),
    suspendAfterMs: S, suspendedRunScanIntervalMs: Number(process.env.SCAN ?? 600_000),
    onCharge: (_i, cents) => charged.push({ cents }),
    onError: () => (error, where) => errors.push(`${where}: ${String(error)}`),
  });
  const started = Date.now();
  const tally = await raceApprovalsAtSuspension({ a, b, charged }, { rounds: Number(process.env.R ?? 40), batch: 10, suspendAfterMs: S });
  console.log(JSON.stringify({ ...tally, outcomes: tally.outcomes.filter((o) => o.charges !== (o.approvalStatus < 300 ? 1 : 0)) }), Date.now() - started, errors.slice(0, 5));
  expect(tally.doubleExecutions).toBe(0);
}, 300_000);
