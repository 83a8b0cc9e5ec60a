import { Cron } from 'croner';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedFire, ScheduleRecord } from '../src/core/schedule-store.js';
import { defaultSchedulesSettings } from '../src/server/contracts/schedules-option.js';
import { createScheduleFirer, type ScheduleFirer } from '../src/server/background/schedule-firer.js';
import { runIdOfFire } from '../src/core/run-ids.js';
import type { SqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { scheduleRecordOf } from './helpers/schedule-record.js';
import { useSharedPostgresCluster } from './helpers/shared-postgres-cluster.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run(), 20_000);
const { unavailable, openCluster } = useSharedPostgresCluster(cleanup);

const at = (iso: string): number => Date.parse(iso);
const OWNER = { apiKeyHash: 'owner-hash' };

const scheduleOf = (id: string, cron: string, timezone: string, from: number): ScheduleRecord =>
  scheduleRecordOf(id, cron, timezone, from, OWNER);

/** A firer on `store` with a clock the test moves; its started fires go to `started`. */
function firerOf(
  store: SqlThreadStore,
  clock: { now: number },
  started: ClaimedFire[],
  claimer: string,
  startFire?: (fire: ClaimedFire) => Promise<void>,
  minIntervalMs = 1_000,
): ScheduleFirer {
  const firer = createScheduleFirer({
    store: () => store.schedules,
    polls: () => false,
    // Once a second by default: the schedules here fire that often.
    settings: { ...defaultSchedulesSettings, minIntervalMs },
    claimer,
    startFire:
      startFire ??
      ((fire) => {
        started.push(fire);
        return Promise.resolve();
      }),
    report: (error) => {
      throw error;
    },
    isClosing: () => false,
    now: () => clock.now,
  });
  cleanup.add(firer, (made) => made.close());
  return firer;
}

describe.skipIf(unavailable !== undefined)('schedule fires', () => {
  it('claims each fire once when three instances race for a once-a-second schedule', async () => {
    const { stores } = await openCluster(3);
    const start = at('2026-06-01T00:00:00Z');
    await stores[0]?.schedules?.create(scheduleOf('sch_race', '* * * * * *', 'UTC', start - 1));
    const clock = { now: start };
    const started: ClaimedFire[] = [];
    const firers = stores.map((store, index) => firerOf(store, clock, started, `instance-${index}`));
    for (let second = 0; second < 60; second += 1) {
      clock.now = start + second * 1000;
      await Promise.all(firers.map((firer) => firer.round()));
    }
    const dueTimes = started.map((fire) => fire.dueAt);
    expect(new Set(dueTimes).size).toBe(dueTimes.length);
    expect(dueTimes.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, index) => start + index * 1000),
    );
    const fires = await stores[0]?.schedules?.listFires(OWNER, 'sch_race', { limit: 100 });
    expect(fires?.items).toHaveLength(60);
    expect(fires?.items.every((fire) => fire.status === 'fired')).toBe(true);
    expect(new Set(fires?.items.map((fire) => fire.claimedBy)).size).toBeGreaterThan(0);
    expect(fires?.items[0]?.runId).toBe(runIdOfFire('sch_race', start + 59_000));
  });

  it('fires a once-a-second schedule stored before the bound at most once per minIntervalMs', async () => {
    const { stores } = await openCluster(1);
    const start = at('2026-06-01T00:00:00Z');
    const store = stores[0];
    if (store === undefined) throw new Error('no store');
    await store.schedules?.create(scheduleOf('sch_dense', '* * * * * *', 'UTC', start - 1));
    const clock = { now: start };
    const started: ClaimedFire[] = [];
    const firer = firerOf(store, clock, started, 'instance-0', undefined, 60_000);
    for (let second = 0; second < 150; second += 1) {
      clock.now = start + second * 1000;
      await firer.round();
    }
    expect(started.map((fire) => fire.dueAt - start)).toEqual([0, 60_000, 120_000]);
  });

  it('fires every due time of a round late by less than missedAfterMs, one per round, none skipped', async () => {
    const { stores } = await openCluster(1);
    const store = stores[0] as SqlThreadStore;
    const start = at('2026-06-01T00:00:00Z');
    await store.schedules?.create(scheduleOf('sch_late', '* * * * * *', 'UTC', start - 1));
    const clock = { now: start + 4_500 };
    const started: ClaimedFire[] = [];
    const firer = firerOf(store, clock, started, 'instance');
    for (let round = 0; round < 6; round += 1) await firer.round();
    expect(started.map((fire) => fire.dueAt - start)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('pages the fires of a schedule, latest first, for its owner only', async () => {
    const { stores } = await openCluster(1);
    const store = stores[0] as SqlThreadStore;
    const start = at('2026-06-01T00:00:00Z');
    await store.schedules?.create(scheduleOf('sch_pages', '* * * * * *', 'UTC', start - 1));
    const clock = { now: start };
    const firer = firerOf(store, clock, [], 'instance');
    for (let second = 0; second < 5; second += 1) {
      clock.now = start + second * 1000;
      await firer.round();
    }
    const first = await store.schedules?.listFires(OWNER, 'sch_pages', { limit: 3 });
    expect(first?.items.map((fire) => fire.dueAt)).toEqual([start + 4000, start + 3000, start + 2000]);
    const cursor = first?.nextCursor;
    expect(cursor).toBeDefined();
    const second = await store.schedules?.listFires(OWNER, 'sch_pages', {
      limit: 3,
      cursor: cursor as string,
    });
    expect(second?.items.map((fire) => fire.dueAt)).toEqual([start + 1000, start]);
    expect(second?.nextCursor).toBeUndefined();
    expect(
      await store.schedules?.listFires({ apiKeyHash: 'other' }, 'sch_pages', { limit: 3 }),
    ).toBeUndefined();
  });

  it('takes over a fire whose instance died after claiming it, and never one whose background run was recorded', async () => {
    const { url, stores } = await openCluster(2);
    const [dead, alive] = stores as [SqlThreadStore, SqlThreadStore];
    const start = at('2026-06-01T00:00:00Z');
    await dead.schedules?.create(scheduleOf('sch_a', '0 * * * *', 'UTC', start - 1));
    await dead.schedules?.create(scheduleOf('sch_b', '0 * * * *', 'UTC', start - 1));
    const clock = { now: start + 10 };
    // The dying instance claims both fires and starts neither (it is SIGKILLed in between)...
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const dying = firerOf(dead, clock, [], 'dying', () => released);
    cleanup.add(undefined, () => release());
    void dying.round();
    await expect
      .poll(async () => (await dead.schedules?.listFires(OWNER, 'sch_b', { limit: 5 }))?.items.length)
      .toBe(1);
    // ...except that sch_b's run and its background run were recorded before it died.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add(client, (connected) => connected.end());
    await client.query(
      `INSERT INTO runs (id, api_key_hash, model, status, started_at) VALUES ($1, 'owner-hash', 'm', 'running', $2)`,
      [runIdOfFire('sch_b', start), start],
    );
    await alive.backgroundRuns?.record({
      runId: runIdOfFire('sch_b', start),
      owner: OWNER,
      sessionId: 'sess_dying',
      threadId: null,
      metadata: {},
      scheduleId: 'sch_b',
      createdAt: start,
    });
    const started: ClaimedFire[] = [];
    const taker = firerOf(alive, clock, started, 'taker');
    expect(await taker.round()).toEqual([]);
    clock.now = start + 61_000;
    await taker.round();
    expect(started.map((fire) => [fire.schedule.id, fire.dueAt, fire.runId, fire.retaken])).toEqual([
      ['sch_a', start, runIdOfFire('sch_a', start), true],
    ]);
    expect(started[0]?.recordedRun).toBeUndefined();
    const fireOf = async (id: string) =>
      (await alive.schedules?.listFires(OWNER, id, { limit: 5 }))?.items[0];
    expect(await fireOf('sch_a')).toMatchObject({ status: 'fired', claimedBy: 'taker' });
    expect(await fireOf('sch_b')).toMatchObject({ status: 'fired', claimedBy: 'dying' });
  });

  it('records the background run of a fire whose instance died between recording its run and its background run', async () => {
    // The fire lost in the 1,000-fire bench: settled `fired` because its `runs` row existed,
    // with no background run, so it counted as missed.
    const { url, stores } = await openCluster(2);
    const [dead, alive] = stores as [SqlThreadStore, SqlThreadStore];
    const start = at('2026-06-01T00:00:00Z');
    await dead.schedules?.create(scheduleOf('sch_gap', '0 * * * *', 'UTC', start - 1));
    const clock = { now: start + 10 };
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanup.add(client, (connected) => connected.end());
    // The dying instance records the run (the first write), then dies before the second.
    const dying = firerOf(dead, clock, [], 'dying', async (fire) => {
      await client.query(
        `INSERT INTO runs (id, api_key_hash, model, status, started_at) VALUES ($1, 'owner-hash', 'm', 'running', $2)`,
        [fire.runId, start],
      );
      await released;
    });
    cleanup.add(undefined, () => release());
    void dying.round();
    await expect
      .poll(
        async () =>
          (await client.query('SELECT 1 FROM runs WHERE id = $1', [runIdOfFire('sch_gap', start)])).rowCount,
      )
      .toBe(1);
    const taken: ClaimedFire[] = [];
    const taker = firerOf(alive, clock, [], 'taker', async (fire) => {
      taken.push(fire);
      // What startScheduledRun does with such a fire: record the background run of the run.
      await alive.backgroundRuns?.record({
        runId: fire.runId,
        owner: fire.schedule.owner,
        sessionId: 'sess_taker',
        threadId: fire.recordedRun?.threadId ?? null,
        metadata: {},
        scheduleId: fire.schedule.id,
        createdAt: clock.now,
      });
    });
    clock.now = start + 61_000;
    await taker.round();
    expect(taken.map((fire) => [fire.runId, fire.retaken, fire.recordedRun])).toEqual([
      [runIdOfFire('sch_gap', start), true, { threadId: null }],
    ]);
    const fires = await alive.schedules?.listFires(OWNER, 'sch_gap', { limit: 5 });
    expect(fires?.items.map((fire) => [fire.status, fire.claimedBy])).toEqual([['fired', 'taker']]);
    const background = await client.query<{ run_id: string }>(
      'SELECT run_id FROM background_runs WHERE schedule_id = $1',
      ['sch_gap'],
    );
    expect(background.rows.map((row) => row.run_id)).toEqual([runIdOfFire('sch_gap', start)]);
  });

  it.each([
    [
      '0 2 * * *',
      'America/New_York',
      '2026-03-07T12:00:00Z',
      ['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z'],
    ],
    [
      '30 1 * * *',
      'America/New_York',
      '2026-10-31T12:00:00Z',
      ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    ],
    [
      '30 2 * * *',
      'Europe/Berlin',
      '2026-03-28T12:00:00Z',
      ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
    ],
    [
      '30 2 * * *',
      'Europe/Berlin',
      '2026-10-24T12:00:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    ],
  ])('fires %s in %s across the DST change from %s as croner says', async (cron, zone, from, expected) => {
    const { stores } = await openCluster(1);
    const store = stores[0] as SqlThreadStore;
    const begin = at(from);
    await store.schedules?.create(scheduleOf('sch_dst', cron, zone, begin));
    const clock = { now: begin };
    const started: ClaimedFire[] = [];
    const firer = firerOf(store, clock, started, 'instance');
    // Two days in steps of five minutes, no real waiting: each fire is started in the step it falls in.
    const step = 5 * 60_000;
    for (clock.now = begin; clock.now <= begin + 2 * 86_400_000; clock.now += step) await firer.round();
    const fired = started.map((fire) => new Date(fire.dueAt).toISOString());
    const croner = new Cron(cron, { timezone: zone, paused: true });
    const oracle: string[] = [];
    for (
      let next = croner.nextRun(new Date(begin));
      next !== null && next.getTime() <= begin + 2 * 86_400_000;
    ) {
      oracle.push(next.toISOString());
      next = croner.nextRun(next);
    }
    expect(fired).toEqual(oracle);
    expect(fired).toEqual(expected);
  });
});
