import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedFire, ScheduleRecord } from '../src/core/schedule-store.js';
import { defaultSchedulesSettings } from '../src/server/contracts/schedules-option.js';
import { createScheduleFirer, type ScheduleFirer } from '../src/server/background/schedule-firer.js';
import type { SqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { scheduleRecordOf } from './helpers/schedule-record.js';
import { useSharedPostgresCluster } from './helpers/shared-postgres-cluster.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run(), 20_000);
const { unavailable, openCluster } = useSharedPostgresCluster(cleanup);

const OWNER = { apiKeyHash: 'owner-hash' };
const START = Date.parse('2026-06-01T00:00:00Z');
/** Defaults: 3 attempts, 5 s before the first retry, 10 s before the second. */
const settings = defaultSchedulesSettings;

/** An hourly schedule whose first fire is due at START. */
const hourly = (id: string): ScheduleRecord => scheduleRecordOf(id, '0 * * * *', 'UTC', START - 1, OWNER);

/** A firer on `store` with the test's clock; each start it is asked for is recorded in `attempts`. */
function firerOf(
  store: SqlThreadStore,
  clock: { now: number },
  claimer: string,
  startFire: (fire: ClaimedFire) => Promise<void>,
): ScheduleFirer {
  const firer = createScheduleFirer({
    store: () => store.schedules,
    polls: () => false,
    settings,
    claimer,
    startFire,
    report: () => undefined,
    isClosing: () => false,
    now: () => clock.now,
  });
  cleanup.add(firer, (made) => made.close());
  return firer;
}

/** One round on every instance at each of `times`. */
async function roundsAt(firers: readonly ScheduleFirer[], clock: { now: number }, times: number[]) {
  for (const time of times) {
    clock.now = time;
    for (const firer of firers) await firer.round();
  }
}

describe.skipIf(unavailable !== undefined)('schedule fires whose run fails to start', () => {
  it('retries a start that failed once, after the backoff, on any instance, and fires it once', async () => {
    const { stores } = await openCluster(3);
    await stores[0]?.schedules?.create(hourly('sch_flaky'));
    const clock = { now: START };
    const attempts: Array<[string, number]> = [];
    const started: string[] = [];
    const firers = stores.map((store, index) =>
      firerOf(store, clock, `instance-${index}`, (fire) => {
        attempts.push([`instance-${index}`, fire.failedStarts]);
        if (attempts.length === 1) return Promise.reject(new Error('session store unavailable'));
        started.push(fire.runId);
        return Promise.resolve();
      }),
    );
    await roundsAt(firers, clock, [START + 10, START + 1_000, START + 4_000]);
    expect(attempts).toHaveLength(1);
    const waiting = (await stores[1]?.schedules?.listFires(OWNER, 'sch_flaky', { limit: 5 }))?.items;
    expect(waiting?.map((fire) => [fire.status, fire.failedStarts, fire.error])).toEqual([
      ['claimed', 1, 'session store unavailable'],
    ]);
    await roundsAt(firers, clock, [START + 5_010, START + 6_000, START + 60_000]);
    expect(attempts.map(([, failedStarts]) => failedStarts)).toEqual([0, 1]);
    expect(started).toHaveLength(1);
    const fires = (await stores[2]?.schedules?.listFires(OWNER, 'sch_flaky', { limit: 5 }))?.items;
    expect(fires?.map((fire) => [fire.status, fire.failedStarts, fire.runId])).toEqual([
      ['fired', 1, started[0]],
    ]);
  });

  it('records a fire `failed` with the reason after startAttempts failed starts, and tries no more', async () => {
    const { stores } = await openCluster(2);
    await stores[0]?.schedules?.create(hourly('sch_broken'));
    const clock = { now: START };
    let attempts = 0;
    const firers = stores.map((store, index) =>
      firerOf(store, clock, `instance-${index}`, () => {
        attempts += 1;
        return Promise.reject(new Error(`thread store down (${attempts})`));
      }),
    );
    // Attempts at 0, then 5 s and 10 s later (15 s): rounds every second for two minutes.
    const seconds = Array.from({ length: 120 }, (_, second) => START + 10 + second * 1_000);
    await roundsAt(firers, clock, seconds);
    expect(attempts).toBe(settings.startAttempts);
    const fires = (await stores[1]?.schedules?.listFires(OWNER, 'sch_broken', { limit: 5 }))?.items;
    expect(fires?.map((fire) => [fire.status, fire.failedStarts, fire.error])).toEqual([
      ['failed', 3, 'failed to start 3 times; last: thread store down (3)'],
    ]);
  });

  it('retries a failed start on one instance only when two look for due fires at once', async () => {
    const { stores } = await openCluster(2);
    await stores[0]?.schedules?.create(hourly('sch_race'));
    const clock = { now: START };
    const attempts: string[] = [];
    const firers = stores.map((store, index) =>
      firerOf(store, clock, `instance-${index}`, (fire) => {
        attempts.push(`instance-${index}:${fire.failedStarts}`);
        return fire.failedStarts === 0 ? Promise.reject(new Error('busy')) : Promise.resolve();
      }),
    );
    for (const time of [START + 10, START + 5_010, START + 5_020, START + 20_000]) {
      clock.now = time;
      await Promise.all(firers.map((firer) => firer.round()));
    }
    expect(attempts.map((attempt) => attempt.split(':')[1])).toEqual(['0', '1']);
    const fires = (await stores[0]?.schedules?.listFires(OWNER, 'sch_race', { limit: 5 }))?.items;
    expect(fires?.map((fire) => fire.status)).toEqual(['fired']);
  });
});
