import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { sendAs, sessionTokenOf } from './helpers/send-as.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './redis/helpers/start-redis-server.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run(), 30_000);
const { unavailable, createDatabase } = useSharedPostgresServer();
const redisUnavailable = redisUnavailableReason();
let redis: RedisServerProcess | undefined;
beforeAll(async () => {
  if (redisUnavailable === undefined && unavailable === undefined) redis = await startRedisServer();
});
afterAll(() => redis?.stop());

const KEY = 'backend-key';
/**
 * Every instance polls for due fires once a minute here: a fire within a second of its due time
 * is the wake's doing (the schedule's write told the firers), not a poll's.
 */
const IDLE_POLL_MS = 60_000;
/** How late a first fire may start after its due time. */
const ON_TIME_MS = 1_000;

/** A once-a-day cron (UTC) whose next fire is `at`, on a whole second. */
const dailyCronAt = (at: number): string => {
  const time = new Date(at);
  return `${time.getUTCSeconds()} ${time.getUTCMinutes()} ${time.getUTCHours()} * * *`;
};

/** An instance on the database at `url` (and on Redis when given), with idle schedule polls. */
async function startInstance(url: string, redisStore?: { redis: string; keyPrefix: string }) {
  const { gateway } = await startMockAgent(cleanup, {
    turns: [textTurn('Fired.')],
    agent: {
      server: {
        validApiKeys: [KEY],
        serverSideApiKeys: [KEY],
        database: { postgres: url },
        schedules: { pollIntervalMs: IDLE_POLL_MS },
        ...(redisStore === undefined ? {} : { store: redisStore }),
      },
    },
  });
  return gateway;
}

/** Creates on `gateway` a schedule of alice's due about 5 s from now, on a whole second. */
async function createDueSoon(gateway: GatewayClient): Promise<{ scheduleId: string; dueAt: number }> {
  const token = await sessionTokenOf(gateway, KEY, 'alice');
  const dueAt = Math.ceil((Date.now() + 5_000) / 1_000) * 1_000;
  const created = await sendAs(gateway, 'POST', '/schedules', token, {
    cron: dailyCronAt(dueAt),
    message: 'wake up',
  });
  expect(created.status).toBe(201);
  const schedule = await jsonOf(created);
  expect(schedule['next_fire_at']).toBe(new Date(dueAt).toISOString());
  return { scheduleId: String(schedule['schedule_id']), dueAt };
}

/** Waits, reading through `reader`, for the schedule's first fire; resolves how late it was claimed, in ms. */
async function firstFireLateness(
  reader: GatewayClient,
  created: { scheduleId: string; dueAt: number },
): Promise<number> {
  const token = await sessionTokenOf(reader, KEY, 'alice');
  const fire = await waitFor(
    async () => {
      const fires = await jsonOf(
        await sendAs(reader, 'GET', `/schedules/${created.scheduleId}/fires`, token),
      );
      const [first] = fires['fires'] as Array<Record<string, unknown>>;
      return first === undefined || first['fired_at'] === null ? undefined : first;
    },
    { timeoutMs: 30_000, description: 'the first fire' },
  );
  expect(fire['due_at']).toBe(new Date(created.dueAt).toISOString());
  expect(fire['status']).toBe('fired');
  return Date.parse(String(fire['claimed_at'])) - created.dueAt;
}

describe.skipIf(unavailable !== undefined)('the first fire of a new schedule on an idle gateway', () => {
  it('comes within a second of its due time on one instance', async () => {
    const gateway = await startInstance(await createDatabase());
    const late = await firstFireLateness(gateway, await createDueSoon(gateway));
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(ON_TIME_MS);
  });

  it.skipIf(redisUnavailable !== undefined)(
    'comes within a second of its due time on another instance of a cluster on Redis and PostgreSQL',
    async () => {
      const url = await createDatabase();
      const redisStore = {
        redis: (redis as RedisServerProcess).url,
        keyPrefix: `wake${randomBytes(4).toString('hex')}:`,
      };
      const creator = await startInstance(url, redisStore);
      const other = await startInstance(url, redisStore);
      const created = await createDueSoon(creator);
      // The instance that took the request stops before the fire is due: only the other one can
      // fire it, and only the wake it heard over the bus brings its round before its next poll.
      await creator.close();
      const late = await firstFireLateness(other, created);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(ON_TIME_MS);
    },
  );
});
