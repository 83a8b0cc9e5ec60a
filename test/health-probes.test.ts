import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './redis/helpers/start-redis-server.js';

const unavailable = postgresUnavailableReason() ?? redisUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

/** Polls `read` every 50 ms until it returns `expected`; resolves how long that took, in ms. */
async function timeUntil<Value>(
  read: () => Promise<Value>,
  expected: Value,
  deadlineMs: number,
): Promise<number> {
  const started = performance.now();
  let last: Value | undefined;
  while (performance.now() - started < deadlineMs) {
    last = await read();
    if (last === expected) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still ${String(last)} after ${deadlineMs} ms (expected ${String(expected)})`);
}

// The acceptance bounds of the probes (1 s to notice an outage, 2 s to notice the return), with
// the slack a loaded CI machine needs: the poll itself and one ping timeout.
const NOTICE_DOWN_MS = 1_000 + 500;
const NOTICE_UP_MS = 2_000 + 1_000;

describe.skipIf(unavailable !== undefined)(
  'health probes on PostgreSQL and Redis',
  { timeout: 120_000 },
  () => {
    let postgres: PostgresServer;
    let redis: RedisServerProcess;
    let gateway: GatewayClient;
    const livenessFailures: number[] = [];
    let watchLiveness: ReturnType<typeof setInterval> | undefined;

    beforeAll(async () => {
      postgres = await startPostgresServer();
      redis = await startRedisServer();
      const database = await postgres.createDatabase();
      gateway = await startGatewayClient(
        createAgent({
          systemPrompt: 'You are a test agent.',
          server: {
            database: { postgres: database },
            store: { redis: redis.url },
            jwtSecret: 'probe-secret',
          },
        }),
      );
      // Liveness is asked all along, outages included: it must never fail.
      watchLiveness = setInterval(() => {
        void gateway.get('/health/live').then(
          (response) => (response.status === 200 ? undefined : livenessFailures.push(response.status)),
          () => livenessFailures.push(0),
        );
      }, 100);
    }, 120_000);

    afterAll(async () => {
      clearInterval(watchLiveness);
      await gateway?.close();
      await redis?.stop();
      await postgres?.destroy();
    });

    const readiness = async (): Promise<number> => (await gateway.get('/health/ready')).status;
    const readinessBody = async (): Promise<unknown> => (await gateway.get('/health/ready')).json();

    it('is ready, and live, with both stores up', async () => {
      expect(await readinessBody()).toEqual({ status: 'ready' });
      const live = await gateway.get('/health/live');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
    });

    it('turns 503 naming the database within 1 s of PostgreSQL stopping, and 200 within 2 s of its return', async () => {
      await postgres.stop();
      expect(await timeUntil(readiness, 503, 10_000)).toBeLessThan(NOTICE_DOWN_MS);
      expect(await readinessBody()).toEqual({ status: 'unavailable', component: 'database' });
      await postgres.start();
      expect(await timeUntil(readiness, 200, 10_000)).toBeLessThan(NOTICE_UP_MS);
    });

    it('turns 503 naming redis within 1 s of Redis going down, and 200 within 2 s of its return', async () => {
      await redis.down();
      expect(await timeUntil(readiness, 503, 10_000)).toBeLessThan(NOTICE_DOWN_MS);
      expect(await readinessBody()).toEqual({ status: 'unavailable', component: 'redis' });
      await redis.up();
      expect(await timeUntil(readiness, 200, 10_000)).toBeLessThan(NOTICE_UP_MS);
    });

    it('answered liveness 200 throughout both outages', () => {
      expect(livenessFailures).toEqual([]);
    });

    it('answers both probes without a session and says nothing beyond status and component', async () => {
      const ready = await gateway.get('/health/ready');
      expect(Object.keys((await ready.json()) as object)).toEqual(['status']);
    });
  },
);
