import { capOwnerKey } from '../../core/cap-owner.js';
import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { ScheduleRecord, SchedulePatch, ScheduleStore } from '../../core/schedule-store.js';
import type { JsonObject, Page } from '../../core/thread-store.js';
import { afterCursor, clampLimit, keysetPage } from './page-cursor.js';
import { selectOwnedRow } from './select-owned-row.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import { capOwnerCondition, ownerCondition } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import { claimNewFires, listFires, retakeLapsedFires, retryFire, settleFire } from './sql-schedule-fires.js';

/** A `schedules` row as read. */
interface ScheduleRow {
  id: string;
  api_key_hash: string;
  user_id: string | null;
  cron: string;
  timezone: string;
  thread_id: string | null;
  new_thread_each_time: boolean;
  message: string;
  metadata: JsonObject;
  webhook_url: string | null;
  webhook_secret: string | null;
  enabled: boolean;
  end_at: number | null;
  next_fire_at: number | null;
  last_fired_at: number | null;
  created_at: number;
  updated_at: number;
  principal: SessionPrincipal | null;
  owner_expires_at: number | null;
}

const COLUMNS =
  'id, api_key_hash, user_id, cron, timezone, thread_id, new_thread_each_time, message, metadata, webhook_url, webhook_secret, enabled, end_at, next_fire_at, last_fired_at, created_at, updated_at, principal, owner_expires_at';

const toSchedule = (row: ScheduleRow): ScheduleRecord => ({
  id: row.id,
  owner:
    row.user_id === null
      ? { apiKeyHash: row.api_key_hash }
      : { apiKeyHash: row.api_key_hash, user: row.user_id },
  cron: row.cron,
  timezone: row.timezone,
  threadId: row.thread_id,
  newThreadEachTime: row.new_thread_each_time,
  message: row.message,
  metadata: row.metadata,
  ...(row.webhook_url === null
    ? {}
    : {
        webhook: {
          url: row.webhook_url,
          ...(row.webhook_secret === null ? {} : { secret: row.webhook_secret }),
        },
      }),
  enabled: row.enabled,
  endAt: row.end_at === null ? null : Number(row.end_at),
  nextFireAt: row.next_fire_at === null ? null : Number(row.next_fire_at),
  lastFiredAt: row.last_fired_at === null ? null : Number(row.last_fired_at),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  ...(row.principal === null ? {} : { principal: row.principal }),
  ...(row.owner_expires_at === null ? {} : { ownerExpiresAt: Number(row.owner_expires_at) }),
});

/** Writes a new `schedules` row. */
const insertSchedule = async (queryable: SqlQueryable, schedule: ScheduleRecord): Promise<void> => {
  await queryable.query(
    `INSERT INTO schedules (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17, $18::json, $19)`,
    [
      schedule.id,
      schedule.owner.apiKeyHash,
      schedule.owner.user ?? null,
      schedule.cron,
      schedule.timezone,
      schedule.threadId,
      schedule.newThreadEachTime,
      schedule.message,
      JSON.stringify(schedule.metadata),
      schedule.webhook?.url ?? null,
      schedule.webhook?.secret ?? null,
      schedule.enabled,
      schedule.endAt,
      schedule.nextFireAt,
      schedule.lastFiredAt,
      schedule.createdAt,
      schedule.updatedAt,
      schedule.principal === undefined ? null : JSON.stringify(schedule.principal),
      schedule.ownerExpiresAt ?? null,
    ],
  );
};

/** Columns a patch may set, by field. */
const PATCH_COLUMNS: Record<keyof SchedulePatch, string> = {
  cron: 'cron',
  timezone: 'timezone',
  threadId: 'thread_id',
  newThreadEachTime: 'new_thread_each_time',
  message: 'message',
  metadata: 'metadata',
  enabled: 'enabled',
  endAt: 'end_at',
  nextFireAt: 'next_fire_at',
};

/**
 * Schedules over SQL. A fire is claimed in one transaction that reads the due rows with
 * `FOR UPDATE SKIP LOCKED` and moves each one's `next_fire_at` on: an instance that looks at
 * the same moment skips the locked rows, and one that looks later finds the next time.
 */
export function createSqlScheduleStore(engine: SqlEngine): ScheduleStore {
  return {
    create: (schedule) => failClosed('createSchedule', () => insertSchedule(engine, schedule)),

    createWithin: (schedule, maxPerOwner) =>
      failClosed('createSchedule', () =>
        engine.transaction(async (tx) => {
          // One owner's creations one at a time, on every instance: the count stays true. The
          // cap's owner: anonymous sessions of a key count together (`capOwnerKey`).
          const ownerKey = JSON.stringify(['schedules', capOwnerKey(schedule.owner)]);
          await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [ownerKey]);
          const where = capOwnerCondition(schedule.owner, 1);
          const counted = await tx.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM schedules WHERE ${where.sql}`,
            where.params,
          );
          if ((counted.rows[0]?.n ?? 0) >= maxPerOwner) return false;
          await insertSchedule(tx, schedule);
          return true;
        }),
      ),

    refreshPrincipal: (owner, principal, ownerExpiresAt) =>
      failClosed('refreshSchedulePrincipal', async () => {
        const where = ownerCondition(owner, 1);
        const principalText = principal === undefined ? null : JSON.stringify(principal);
        const params = [...where.params, principalText, ownerExpiresAt ?? null];
        const given = `$${where.params.length + 1}`;
        const expires = `$${where.params.length + 2}`;
        // Only a principal issued no earlier than the stored one replaces it (see `issuedAt`).
        await engine.query(
          `UPDATE schedules SET principal = ${given}::json, owner_expires_at = ${expires}::bigint
           WHERE ${where.sql}
             AND COALESCE((principal->>'issuedAt')::float8, 0) <= COALESCE((${given}::json->>'issuedAt')::float8, 0)
             AND (principal::text IS DISTINCT FROM ${given}::text OR owner_expires_at IS DISTINCT FROM ${expires}::bigint)`,
          params,
        );
      }),

    get: (owner, id) =>
      failClosed('getSchedule', () =>
        selectOwnedRow(engine, { table: 'schedules', columns: COLUMNS }, owner, id, toSchedule),
      ),

    list: (owner, page) =>
      failClosed('listSchedules', async (): Promise<Page<ScheduleRecord>> => {
        const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
        const where = ownerCondition(owner, 1);
        const params: unknown[] = [...where.params];
        const after = afterCursor(page.cursor, 'created_at, id', params);
        params.push(limit + 1);
        const found = await engine.query<ScheduleRow>(
          `SELECT ${COLUMNS} FROM schedules WHERE ${where.sql}${after === undefined ? '' : ` AND ${after}`}
           ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
          params,
        );
        return keysetPage(found.rows, limit, toSchedule, (schedule) => ({
          at: schedule.createdAt,
          id: schedule.id,
        }));
      }),

    update: (owner, id, patch, now) =>
      failClosed('updateSchedule', async () => {
        const where = ownerCondition(owner, 1);
        const params: unknown[] = [...where.params, id, now];
        const sets = [`updated_at = $${params.length}`];
        for (const [field, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof SchedulePatch, string]>) {
          if (!(field in patch)) continue;
          const value = patch[field];
          params.push(field === 'metadata' ? JSON.stringify(value) : value);
          sets.push(`${column} = $${params.length}${field === 'metadata' ? '::jsonb' : ''}`);
        }
        const found = await engine.query<ScheduleRow>(
          `UPDATE schedules SET ${sets.join(', ')} WHERE ${where.sql} AND id = $${where.params.length + 1}
           RETURNING ${COLUMNS}`,
          params,
        );
        const row = found.rows[0];
        return row === undefined ? undefined : toSchedule(row);
      }),

    delete: (owner, id) =>
      failClosed('deleteSchedule', async () => {
        const where = ownerCondition(owner, 2);
        const found = await engine.query(`DELETE FROM schedules WHERE id = $1 AND ${where.sql}`, [
          id,
          ...where.params,
        ]);
        return found.rowCount > 0;
      }),

    claimDue: (request) =>
      failClosed('claimScheduleFires', () =>
        engine.transaction(async (tx) => {
          const due = await tx.query<ScheduleRow>(
            `SELECT ${COLUMNS} FROM schedules
             WHERE enabled AND next_fire_at IS NOT NULL AND next_fire_at <= $1
             ORDER BY next_fire_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [request.now, request.limit],
          );
          const schedules = due.rows.map(toSchedule);
          // An owner nobody can be any more (its anonymous session expired): paused, not fired.
          const unreachable = schedules.filter(
            (schedule) => schedule.ownerExpiresAt !== undefined && schedule.ownerExpiresAt <= request.now,
          );
          if (unreachable.length > 0) {
            await tx.query(
              'UPDATE schedules SET enabled = false, next_fire_at = NULL, updated_at = $2 WHERE id = ANY($1)',
              [unreachable.map((schedule) => schedule.id), request.now],
            );
          }
          const reachable = schedules.filter((schedule) => !unreachable.includes(schedule));
          const claimed = await claimNewFires(tx, reachable, request);
          const retaken = await retakeLapsedFires(tx, request, async (ids) => {
            const found = await tx.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedules WHERE id = ANY($1)`, [
              ids,
            ]);
            return new Map(found.rows.map((row) => [row.id, toSchedule(row)]));
          });
          return [...retaken, ...claimed];
        }),
      ),

    settleFire: (fire, outcome) => failClosed('settleScheduleFire', () => settleFire(engine, fire, outcome)),

    retryFire: (fire, retry) => failClosed('retryScheduleFire', () => retryFire(engine, fire, retry)),

    listFires: (owner, scheduleId, page) =>
      failClosed('listScheduleFires', async () => {
        const where = ownerCondition(owner, 2);
        const found = await engine.query(`SELECT 1 FROM schedules WHERE id = $1 AND ${where.sql}`, [
          scheduleId,
          ...where.params,
        ]);
        return found.rows.length === 0 ? undefined : listFires(engine, scheduleId, page);
      }),
  };
}
