import type {
  HeartbeatClaim,
  HeartbeatTickRecord,
  HeartbeatTickStore,
} from '../../core/heartbeat-tick-store.js';
import type { SqlEngine } from './sql-engine.js';
import { failClosed } from './store-errors.js';

/** A `heartbeat_ticks` row as read. */
interface TickRow {
  name: string;
  tick: number;
  claimed_by: string;
  claimed_at: number;
  claim_until: number;
  finished_at: number | null;
  outcome: string | null;
  consecutive_errors: number;
  next_due_at: number | null;
}

const COLUMNS =
  'name, tick, claimed_by, claimed_at, claim_until, finished_at, outcome, consecutive_errors, next_due_at';

const orNull = (value: number | null): number | null => (value === null ? null : Number(value));

const toTick = (row: TickRow): HeartbeatTickRecord => ({
  name: row.name,
  tick: Number(row.tick),
  claimedBy: row.claimed_by,
  claimedAt: Number(row.claimed_at),
  claimUntil: Number(row.claim_until),
  finishedAt: orNull(row.finished_at),
  outcome: row.outcome,
  consecutiveErrors: Number(row.consecutive_errors),
  nextDueAt: orNull(row.next_due_at),
});

/**
 * Heartbeat ticks over SQL. A claim reads the latest tick and inserts the next tick number
 * (`ON CONFLICT DO NOTHING` on the primary key): of two instances that see the same latest
 * tick, one inserts and the other learns it lost. A lapsed unfinished tick is closed as `lost`
 * by the instance that claims the next one (its run is not repeated, its error streak kept).
 */
export function createSqlHeartbeatTickStore(engine: SqlEngine): HeartbeatTickStore {
  const latest = async (name: string): Promise<HeartbeatTickRecord | undefined> => {
    const found = await engine.query<TickRow>(
      `SELECT ${COLUMNS} FROM heartbeat_ticks WHERE name = $1 ORDER BY tick DESC LIMIT 1`,
      [name],
    );
    const row = found.rows[0];
    return row === undefined ? undefined : toTick(row);
  };
  return {
    claim: (name, claimer, now, claimForMs) =>
      failClosed('claimHeartbeatTick', async (): Promise<HeartbeatClaim> => {
        const last = await latest(name);
        if (last !== undefined) {
          const running = last.finishedAt === null;
          if (running && last.claimUntil > now) return { claimed: false, lookAgainAt: last.claimUntil };
          if (!running && (last.nextDueAt ?? now) > now) {
            return { claimed: false, lookAgainAt: last.nextDueAt ?? now };
          }
        }
        const tick = (last?.tick ?? 0) + 1;
        const consecutiveErrors = last?.consecutiveErrors ?? 0;
        const inserted = await engine.query(
          `INSERT INTO heartbeat_ticks (name, tick, claimed_by, claimed_at, claim_until, consecutive_errors)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, tick) DO NOTHING`,
          [name, tick, claimer, now, now + claimForMs, consecutiveErrors],
        );
        if (inserted.rowCount === 0) return { claimed: false, lookAgainAt: now };
        if (last !== undefined && last.finishedAt === null) {
          // Its instance died mid-tick: closed, so the list shows what happened.
          await engine.query(
            `UPDATE heartbeat_ticks SET finished_at = $3, outcome = 'lost', next_due_at = $3
             WHERE name = $1 AND tick = $2 AND finished_at IS NULL`,
            [name, last.tick, now],
          );
        }
        return { claimed: true, tick, consecutiveErrors };
      }),

    renew: (name, tick, claimer, until) =>
      failClosed('renewHeartbeatTick', async () => {
        const updated = await engine.query(
          `UPDATE heartbeat_ticks SET claim_until = $4
           WHERE name = $1 AND tick = $2 AND claimed_by = $3 AND finished_at IS NULL`,
          [name, tick, claimer, until],
        );
        return updated.rowCount > 0;
      }),

    finish: (name, tick, claimer, end) =>
      failClosed('finishHeartbeatTick', async () => {
        const updated = await engine.query(
          `UPDATE heartbeat_ticks SET finished_at = $4, outcome = $5, consecutive_errors = $6, next_due_at = $7
           WHERE name = $1 AND tick = $2 AND claimed_by = $3 AND finished_at IS NULL`,
          [name, tick, claimer, end.at, end.outcome, end.consecutiveErrors, end.nextDueAt],
        );
        return updated.rowCount > 0;
      }),

    list: (name, limit) =>
      failClosed('listHeartbeatTicks', async () => {
        const found = await engine.query<TickRow>(
          `SELECT ${COLUMNS} FROM heartbeat_ticks WHERE name = $1 ORDER BY tick DESC LIMIT $2`,
          [name, limit],
        );
        return found.rows.map(toTick);
      }),
  };
}
