import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { jsonOf } from './gateway-client.js';
import {
  spawnBackgroundRunsInstance,
  type BackgroundRunsInstance,
} from './spawn-background-runs-instance.js';

/** Options of `runScheduleFireSoak`. */
export interface ScheduleFireSoakOptions {
  databaseUrl: string;
  /** Shared Redis (`store: { redis }`), or none. */
  redisUrl?: string;
  /** Fires of the once-a-second schedule to count (each one real second). */
  fires: number;
  /** Instances sharing the database. */
  instances: number;
  /** Pause between two SIGKILLs (each of the next instance in turn, restarted at once). */
  killEveryMs: number;
  /** Receives progress lines. */
  log?: (line: string) => void;
}

/** What the soak saw: the due times expected, and what became of them. */
export interface ScheduleFireSoakResult {
  expected: number;
  /** Due times with a run recorded exactly once. */
  firedOnce: number;
  /** Due times with more than one fire or run. */
  duplicates: number;
  /** Due times with no run. */
  missed: number;
  /** Start of each fire's run after its due time (ms), sorted. */
  skewsMs: number[];
  kills: number;
  /** Fires started by an instance other than the one that claimed them first (taken over). */
  retaken: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A once-a-second schedule (`* * * * * *`) on `instances` gateway processes sharing one
 * PostgreSQL (and Redis), one of them SIGKILLed and restarted every `killEveryMs`, for `fires`
 * seconds; then every due time of those seconds is checked in the database: one fire and one
 * run each (`duplicates`, `missed`), and the fire's skew (its run's start after its due time).
 */
export async function runScheduleFireSoak(options: ScheduleFireSoakOptions): Promise<ScheduleFireSoakResult> {
  const log = options.log ?? (() => undefined);
  const upstream = await createMockUpstream({
    recordRequests: false,
    anthropic: Array.from({ length: options.fires * 3 + 50 }, (_, index) => textTurn(`Fire ${index}.`)),
  });
  const jwtSecret = randomBytes(32).toString('hex');
  const environment = (instanceId: string): Record<string, string> => ({
    GATEWAY_UPSTREAM_URL: upstream.url,
    GATEWAY_DATABASE_URL: options.databaseUrl,
    GATEWAY_JWT_SECRET: jwtSecret,
    GATEWAY_INSTANCE_ID: instanceId,
    GATEWAY_SERVER_OPTIONS: JSON.stringify({
      schedules: { pollIntervalMs: 200, claimForMs: 3_000 },
      ...(options.redisUrl === undefined ? {} : { store: { redis: options.redisUrl } }),
    }),
  });
  const instances: BackgroundRunsInstance[] = [];
  let generation = 0;
  const spawnOne = (slot: number) =>
    spawnBackgroundRunsInstance(environment(`i${slot}-${(generation += 1)}`));
  for (let slot = 0; slot < options.instances; slot += 1) instances.push(await spawnOne(slot));
  const database = new pg.Client({ connectionString: options.databaseUrl });
  await database.connect();
  try {
    const client = (instances[0] as BackgroundRunsInstance).client;
    const init = await jsonOf(await client.post('/chat/init', { api_key: 'backend-key', user: 'soak' }));
    const token = String(init['session_token']);
    const created = await jsonOf(
      await client.post(
        '/schedules',
        { cron: '* * * * * *', message: 'Tick', new_thread_each_time: true },
        { token },
      ),
    );
    const scheduleId = String(created['schedule_id']);
    const first = Date.parse(String(created['next_fire_at']));
    const last = first + (options.fires - 1) * 1000;
    log(`schedule ${scheduleId}: ${options.fires} fires from ${new Date(first).toISOString()}`);

    let kills = 0;
    let slot = 0;
    while (Date.now() < last + 1000) {
      await sleep(Math.min(options.killEveryMs, Math.max(0, last + 1000 - Date.now())));
      if (Date.now() >= last) break;
      await (instances[slot] as BackgroundRunsInstance).kill();
      kills += 1;
      instances[slot] = await spawnOne(slot);
      log(`killed and restarted instance ${slot} (${kills} kills)`);
      slot = (slot + 1) % options.instances;
    }
    // Every claim left by a killed instance is taken within claimForMs; then all are settled.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const open = await database.query<{ open: string }>(
        `SELECT count(*) AS open FROM schedule_fires
         WHERE schedule_id = $1 AND due_at <= $2 AND fired_at IS NULL`,
        [scheduleId, last],
      );
      const reached = await database.query<{ latest: string | null }>(
        'SELECT max(due_at) AS latest FROM schedule_fires WHERE schedule_id = $1',
        [scheduleId],
      );
      if (Number(open.rows[0]?.open) === 0 && Number(reached.rows[0]?.latest ?? 0) >= last) break;
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    await database.query('UPDATE schedules SET enabled = false WHERE id = $1', [scheduleId]);

    const fires = await database.query<{
      due_at: string;
      fired_at: string | null;
      run_id: string;
      claimed_at: string;
      claimed_by: string;
    }>(
      `SELECT due_at, fired_at, run_id, claimed_at, claimed_by FROM schedule_fires
       WHERE schedule_id = $1 AND due_at BETWEEN $2 AND $3 AND status = 'fired'`,
      [scheduleId, first, last],
    );
    const runs = await database.query<{ run_id: string; runs: string }>(
      `SELECT run_id, count(*) AS runs FROM background_runs WHERE schedule_id = $1 GROUP BY run_id`,
      [scheduleId],
    );
    const runsOf = new Map(runs.rows.map((row) => [row.run_id, Number(row.runs)]));
    const byDue = new Map<number, number>();
    let retaken = 0;
    const skewsMs: number[] = [];
    for (const fire of fires.rows) {
      const due = Number(fire.due_at);
      byDue.set(due, (byDue.get(due) ?? 0) + (runsOf.get(fire.run_id) ?? 0));
      if (fire.fired_at !== null) skewsMs.push(Number(fire.fired_at) - due);
      if (Number(fire.claimed_at) - due > 2_000) retaken += 1;
    }
    let firedOnce = 0;
    let duplicates = 0;
    let missed = 0;
    for (let due = first; due <= last; due += 1000) {
      const count = byDue.get(due) ?? 0;
      if (count === 1) firedOnce += 1;
      else if (count === 0) missed += 1;
      else duplicates += 1;
    }
    skewsMs.sort((a, b) => a - b);
    return { expected: options.fires, firedOnce, duplicates, missed, skewsMs, kills, retaken };
  } finally {
    await database.end();
    await Promise.all(instances.map((instance) => instance.stop()));
    await upstream.close();
  }
}
