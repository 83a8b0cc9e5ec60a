import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type {
  ClaimedFire,
  ClaimFiresRequest,
  ScheduleFireRecord,
  ScheduleFireStatus,
  ScheduleRecord,
} from '../../core/schedule-store.js';
import type { Page } from '../../core/thread-store.js';
import { clampLimit, decodeCursor, keysetPage } from './page-cursor.js';
import type { SqlQueryable } from './sql-engine.js';

/** A `schedule_fires` row as read. */
interface FireRow {
  schedule_id: string;
  due_at: number;
  claimed_by: string;
  claimed_at: number;
  run_id: string;
  fired_at: number | null;
  status: ScheduleFireStatus;
  error: string | null;
  failed_starts: number;
}

const FIRE_COLUMNS =
  'schedule_id, due_at, claimed_by, claimed_at, run_id, fired_at, status, error, failed_starts';

const toFire = (row: FireRow): ScheduleFireRecord => ({
  scheduleId: row.schedule_id,
  dueAt: Number(row.due_at),
  claimedBy: row.claimed_by,
  claimedAt: Number(row.claimed_at),
  runId: row.run_id,
  firedAt: row.fired_at === null ? null : Number(row.fired_at),
  status: row.status,
  error: row.error,
  failedStarts: Number(row.failed_starts),
});

/**
 * Claims the due fires of `due` (schedules read `FOR UPDATE SKIP LOCKED` by the caller, in its
 * transaction): inserts one `schedule_fires` row each (the unique key refuses a second claim of
 * the same due time) and moves each schedule's next fire time on.
 */
export async function claimNewFires(
  tx: SqlQueryable,
  due: readonly ScheduleRecord[],
  request: ClaimFiresRequest,
): Promise<ClaimedFire[]> {
  const { claimer, now, claimForMs } = request;
  const claimed: ClaimedFire[] = [];
  for (const schedule of due) {
    const dueAt = schedule.nextFireAt ?? now;
    const runId = request.runIdOf(schedule.id, dueAt);
    const inserted = await tx.query(
      `INSERT INTO schedule_fires (schedule_id, due_at, claimed_by, claimed_at, claim_until, run_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (schedule_id, due_at) DO NOTHING`,
      [schedule.id, dueAt, claimer, now, now + claimForMs, runId],
    );
    await tx.query(
      'UPDATE schedules SET next_fire_at = $2, last_fired_at = $3, updated_at = $3 WHERE id = $1',
      [schedule.id, request.nextAfter(schedule, now), now],
    );
    if (inserted.rowCount > 0) claimed.push({ schedule, dueAt, runId, retaken: false, failedStarts: 0 });
  }
  return claimed;
}

/**
 * Claims again, for `request.claimer`, the fires whose claim lapsed before they were settled
 * (their instance died between the claim and the end of the run's start, or their run failed to
 * start and the retry's time came: `retryFire`). A fire whose
 * background run was recorded (the instance died after starting it) is settled as fired: its run
 * is not started twice. A fire whose run was recorded without its background run (the instance
 * died between the two writes) is retaken with `recordedRun`: the taker records that run's
 * background run rather than starting another. Returns the fires to take, with their schedules.
 */
export async function retakeLapsedFires(
  tx: SqlQueryable,
  request: ClaimFiresRequest,
  scheduleOf: (ids: readonly string[]) => Promise<Map<string, ScheduleRecord>>,
): Promise<ClaimedFire[]> {
  const { claimer, now, claimForMs, limit } = request;
  const lapsed = await tx.query<{
    schedule_id: string;
    due_at: number;
    run_id: string;
    failed_starts: number;
    run_recorded: boolean;
    run_thread_id: string | null;
    background_recorded: boolean;
  }>(
    `SELECT f.schedule_id, f.due_at, f.run_id, f.failed_starts,
            r.id IS NOT NULL AS run_recorded, r.thread_id AS run_thread_id,
            EXISTS (SELECT 1 FROM background_runs b WHERE b.run_id = f.run_id) AS background_recorded
     FROM schedule_fires f LEFT JOIN runs r ON r.id = f.run_id
     WHERE f.fired_at IS NULL AND f.claim_until <= $1
     ORDER BY f.claim_until LIMIT $2 FOR UPDATE OF f SKIP LOCKED`,
    [now, limit],
  );
  if (lapsed.rows.length === 0) return [];
  const schedules = await scheduleOf(lapsed.rows.map((row) => row.schedule_id));
  const retaken: ClaimedFire[] = [];
  for (const row of lapsed.rows) {
    const schedule = schedules.get(row.schedule_id);
    if (row.background_recorded || schedule === undefined) {
      await tx.query(
        `UPDATE schedule_fires SET fired_at = $3, status = $4 WHERE schedule_id = $1 AND due_at = $2`,
        [row.schedule_id, row.due_at, now, row.background_recorded ? 'fired' : 'skipped'],
      );
      continue;
    }
    await tx.query(
      `UPDATE schedule_fires SET claimed_by = $3, claimed_at = $4, claim_until = $5
       WHERE schedule_id = $1 AND due_at = $2`,
      [row.schedule_id, row.due_at, claimer, now, now + claimForMs],
    );
    retaken.push({
      schedule,
      dueAt: Number(row.due_at),
      runId: row.run_id,
      retaken: true,
      failedStarts: Number(row.failed_starts),
      ...(row.run_recorded ? { recordedRun: { threadId: row.run_thread_id } } : {}),
    });
  }
  return retaken;
}

/**
 * Settles a claimed fire if `claimer` still holds it; resolves whether it did. `failed` is the
 * end of a failed start: it counts in `failed_starts`.
 */
export async function settleFire(
  engine: SqlQueryable,
  fire: { scheduleId: string; dueAt: number; claimer: string },
  outcome: { status: Exclude<ScheduleFireStatus, 'claimed'>; at: number; error?: string },
): Promise<boolean> {
  const settled = await engine.query(
    `UPDATE schedule_fires SET fired_at = $4, status = $5, error = $6,
       failed_starts = failed_starts + (CASE WHEN $5 = 'failed' THEN 1 ELSE 0 END)
     WHERE schedule_id = $1 AND due_at = $2 AND claimed_by = $3 AND fired_at IS NULL`,
    [fire.scheduleId, fire.dueAt, fire.claimer, outcome.at, outcome.status, outcome.error ?? null],
  );
  return settled.rowCount > 0;
}

/**
 * Gives back a fire whose run failed to start, if `claimer` still holds it: one more failed start
 * counted, the error kept, and the claim lapsing at `retryAt`, so that the next instance to look
 * after that (`retakeLapsedFires`, `FOR UPDATE SKIP LOCKED`) claims it again, once.
 */
export async function retryFire(
  engine: SqlQueryable,
  fire: { scheduleId: string; dueAt: number; claimer: string },
  retry: { retryAt: number; error: string },
): Promise<boolean> {
  const given = await engine.query(
    `UPDATE schedule_fires SET failed_starts = failed_starts + 1, claim_until = $4, error = $5
     WHERE schedule_id = $1 AND due_at = $2 AND claimed_by = $3 AND fired_at IS NULL`,
    [fire.scheduleId, fire.dueAt, fire.claimer, retry.retryAt, retry.error],
  );
  return given.rowCount > 0;
}

/** A page of a schedule's fires, latest due first (the caller checked the schedule's owner). */
export async function listFires(
  engine: SqlQueryable,
  scheduleId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<ScheduleFireRecord>> {
  const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
  const params: unknown[] = [scheduleId];
  let before = '';
  if (page.cursor !== undefined) {
    const position = decodeCursor(page.cursor);
    params.push(position.at);
    before = ` AND due_at < $${params.length}`;
  }
  params.push(limit + 1);
  const found = await engine.query<FireRow>(
    `SELECT ${FIRE_COLUMNS} FROM schedule_fires WHERE schedule_id = $1${before}
     ORDER BY due_at DESC LIMIT $${params.length}`,
    params,
  );
  return keysetPage(found.rows, limit, toFire, (fire) => ({ at: fire.dueAt, id: scheduleId }));
}
