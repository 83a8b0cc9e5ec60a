import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killProcess, launchOnFreePorts, spawnRedisServer } from './redis/helpers/redis-process.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { runScheduleFireSoak } from './helpers/schedule-fire-soak.js';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';

const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);
const hasRedis = ((): boolean => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
/** Fires counted (real seconds); bench/schedule-fires.ts runs 1,000. */
const FIRES = Number(process.env['SCHEDULE_SOAK_FIRES'] ?? 40);
/** Pause between two SIGKILLs (SCHEDULE_SOAK_KILL_EVERY_MS to kill more often). */
const KILL_EVERY_MS = Number(process.env['SCHEDULE_SOAK_KILL_EVERY_MS'] ?? 6_000);

let postgres: PostgresServer | undefined;
let redis: ChildProcess | undefined;
let redisUrl: string | undefined;
beforeAll(async () => {
  if (unavailable !== undefined) return;
  postgres = await startPostgresServer();
  if (hasRedis) {
    const started = await launchOnFreePorts(1, ([port]) =>
      spawnRedisServer(
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        'Ready to accept connections',
      ),
    );
    redis = started.launched;
    redisUrl = `redis://127.0.0.1:${String(started.ports[0])}`;
  }
}, 60_000);
afterAll(async () => {
  if (redis !== undefined) await killProcess(redis);
  await postgres?.destroy();
});

describe.skipIf(unavailable !== undefined)('a once-a-second schedule on three instances', () => {
  it(
    'fires each second exactly once while instances are SIGKILLed and restarted: 0 duplicate, 0 missed',
    async () => {
      const result = await runScheduleFireSoak({
        databaseUrl: await (postgres as PostgresServer).createDatabase(),
        ...(redisUrl === undefined ? {} : { redisUrl }),
        fires: FIRES,
        instances: 3,
        killEveryMs: KILL_EVERY_MS,
        log: (line) => {
          if (line.startsWith('not fired')) console.error(line);
        },
      });
      expect(result.kills).toBeGreaterThan(0);
      expect(result.anomalies).toEqual([]);
      expect({ duplicates: result.duplicates, missed: result.missed, firedOnce: result.firedOnce }).toEqual({
        duplicates: 0,
        missed: 0,
        firedOnce: FIRES,
      });
    },
    FIRES * 1000 + 150_000,
  );
});
