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
  /** What the database holds for each due time counted missed or duplicate (empty when none). */
  anomalies: FireAnomaly[];
}

/** A due time not fired exactly once, with its `schedule_fires` row and its run's records. */
export interface FireAnomaly {
  dueAt: number;
  /** The fire row's status (`claimed`, `fired`, `skipped`, `failed`), or `none` without a row. */
  status: string;
  claimedBy: string | null;
  runId: string | null;
  error: string | null;
  /** The `runs` row's status, or null when there is none. */
  runStatus: string | null;
  /** Rows of `background_runs` for the run. */
  backgroundRuns: number;
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
      schedules: { pollIntervalMs: 200, claimForMs: 3_000, minIntervalMs: 1_000 },
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
      status: string;
      error: string | null;
      run_status: string | null;
      background_runs: string;
    }>(
      `SELECT f.due_at, f.fired_at, f.run_id, f.claimed_at, f.claimed_by, f.status, f.error,
              r.status AS run_status,
              (SELECT count(*) FROM background_runs b WHERE b.run_id = f.run_id) AS background_runs
       FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
       WHERE f.schedule_id = $1 AND f.due_at BETWEEN $2 AND $3`,
      [scheduleId, first, last],
    );
    const byDue = new Map<number, (typeof fires.rows)[number]>();
    let retaken = 0;
    const skewsMs: number[] = [];
    for (const fire of fires.rows) {
      const due = Number(fire.due_at);
      byDue.set(due, fire);
      if (fire.status === 'fired' && fire.fired_at !== null) skewsMs.push(Number(fire.fired_at) - due);
      if (Number(fire.claimed_at) - due > 2_000) retaken += 1;
    }
    let firedOnce = 0;
    let duplicates = 0;
    let missed = 0;
    const anomalies: FireAnomaly[] = [];
    for (let due = first; due <= last; due += 1000) {
      const fire = byDue.get(due);
      // A due time counts once fired with exactly one background run (its run id is the fire's).
      const count = fire?.status === 'fired' ? Number(fire.background_runs) : 0;
      if (count === 1) {
        firedOnce += 1;
        continue;
      }
      if (count === 0) missed += 1;
      else duplicates += 1;
      anomalies.push({
        dueAt: due,
        status: fire?.status ?? 'none',
        claimedBy: fire?.claimed_by ?? null,
        runId: fire?.run_id ?? null,
        error: fire?.error ?? null,
        runStatus: fire?.run_status ?? null,
        backgroundRuns: Number(fire?.background_runs ?? 0),
      });
    }
    // A run of the schedule under an id no fire has would be a second run of some due time.
    const stray = await database.query<{ stray: string }>(
      `SELECT count(*) AS stray FROM background_runs b WHERE b.schedule_id = $1
       AND NOT EXISTS (SELECT 1 FROM schedule_fires f WHERE f.schedule_id = $1 AND f.run_id = b.run_id)`,
      [scheduleId],
    );
    duplicates += Number(stray.rows[0]?.stray ?? 0);
    for (const anomaly of anomalies) log(`not fired exactly once: ${JSON.stringify(anomaly)}`);
    skewsMs.sort((a, b) => a - b);
    return { expected: options.fires, firedOnce, duplicates, missed, skewsMs, kills, retaken, anomalies };
  } finally {
    await database.end();
    await Promise.all(instances.map((instance) => instance.stop()));
    await upstream.close();
  }
}
