import type {
  BudgetCounterStore,
  CounterReservation,
  CounterState,
  SettledCost,
} from '../../core/budget-counter-store.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import { readSqlLedger, reconcileSqlCounters, type BudgetCallColumns } from './sql-budget-ledger.js';
import { readSqlOverrides, writeSqlOverride } from './sql-budget-overrides.js';

interface CounterRow {
  counter_id: string;
  spent_micros: number;
  reserved_micros: number;
}

interface ReservationRow extends BudgetCallColumns {
  amount_micros: number;
  counter_ids: string[];
}

/** Thrown inside a reserve's transaction to roll it back when a counter would pass its limit. */
class OverLimit extends Error {
  constructor(
    readonly counterId: string,
    readonly state: CounterState,
  ) {
    super(`budget counter ${counterId} is over its limit`);
  }
}

const stateOf = (row: CounterRow): CounterState => ({
  spentMicros: Number(row.spent_micros),
  reservedMicros: Number(row.reserved_micros),
});

/** Locks `counterIds`' rows in id order (one order for every transaction: no deadlock). */
const lockCounters = async (
  tx: SqlQueryable,
  counterIds: readonly string[],
): Promise<Map<string, CounterState>> => {
  const locked = await tx.query<CounterRow>(
    `SELECT counter_id, spent_micros, reserved_micros FROM budget_counters
     WHERE counter_id = ANY($1::text[]) ORDER BY counter_id FOR UPDATE`,
    [counterIds],
    'budget_lock_counters',
  );
  return new Map(locked.rows.map((row) => [row.counter_id, stateOf(row)]));
};

const reserveIn = async (
  tx: SqlQueryable,
  request: CounterReservation,
): Promise<Map<string, CounterState>> => {
  const ids = request.holds.map((hold) => hold.counterId);
  const { payer } = request.entry;
  const inserted = await tx.query(
    `INSERT INTO budget_reservations
       (call_id, amount_micros, counter_ids, lease_until, run_id, provider, model, tenant, subject, api_key_id)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
     WHERE NOT EXISTS (SELECT 1 FROM budget_ledger WHERE call_id = $1)
     ON CONFLICT (call_id) DO NOTHING`,
    [
      request.callId,
      request.amountMicros,
      ids,
      Math.ceil(request.leaseUntil),
      request.entry.runId,
      request.entry.provider,
      request.entry.model,
      payer.tenant ?? null,
      payer.subject ?? null,
      payer.apiKeyId ?? null,
    ],
    'budget_insert_reservation',
  );
  if (inserted.rowCount === 0) throw new DuplicateCall();
  if (ids.length === 0) return new Map();
  await tx.query(
    `INSERT INTO budget_counters (counter_id, window_ends_at)
     SELECT id, ends FROM unnest($1::text[], $2::bigint[]) AS hold(id, ends)
     ON CONFLICT (counter_id) DO NOTHING`,
    [ids, request.holds.map((hold) => hold.windowEndsAt ?? null)],
    'budget_insert_counters',
  );
  const states = await lockCounters(tx, ids);
  for (const hold of request.holds) {
    const state = states.get(hold.counterId) ?? { spentMicros: 0, reservedMicros: 0 };
    if (state.spentMicros + state.reservedMicros + request.amountMicros > hold.limitMicros) {
      throw new OverLimit(hold.counterId, state);
    }
    state.reservedMicros += request.amountMicros;
  }
  await tx.query(
    'UPDATE budget_counters SET reserved_micros = reserved_micros + $2 WHERE counter_id = ANY($1::text[])',
    [ids, request.amountMicros],
    'budget_hold',
  );
  return states;
};

/** Thrown inside a reserve's transaction when the call id holds or settled already. */
class DuplicateCall extends Error {}

/**
 * Ends a reservation in one transaction: deletes it (so only one ending wins), moves its hold off
 * its counters, and with `cost` adds the cost to them and appends the ledger row.
 */
const finishIn = async (
  tx: SqlQueryable,
  callId: string,
  cost: (SettledCost & { kind: 'settled' | 'lease_expired' }) | undefined,
): Promise<boolean> => {
  const deleted = await tx.query<ReservationRow>(
    'DELETE FROM budget_reservations WHERE call_id = $1 RETURNING *',
    [callId],
    'budget_delete_reservation',
  );
  const row = deleted.rows[0];
  if (row === undefined) return false;
  const amount = Number(row.amount_micros);
  const costMicros = cost === undefined ? 0 : cost.costMicros;
  await lockCounters(tx, row.counter_ids);
  await tx.query(
    `UPDATE budget_counters SET reserved_micros = reserved_micros - $2, spent_micros = spent_micros + $3
     WHERE counter_id = ANY($1::text[])`,
    [row.counter_ids, amount, costMicros],
    'budget_settle_counters',
  );
  if (cost === undefined) return true;
  const { usage } = cost;
  await tx.query(
    `INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
       input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
       counter_ids, kind, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      callId,
      row.run_id,
      row.provider,
      row.model,
      row.tenant,
      row.subject,
      row.api_key_id,
      usage.inputTokens,
      usage.outputTokens,
      usage.cacheReadTokens,
      usage.cacheCreationTokens,
      costMicros,
      cost.priceVersion,
      row.counter_ids,
      cost.kind,
      Math.floor(cost.at),
    ],
    'budget_insert_ledger',
  );
  return true;
};

/**
 * Budget counters on PostgreSQL or the embedded engine (migration 25), shared by every instance on
 * the database. A reserve is one transaction: the reservation row (unique by call id), the
 * counters' rows locked in id order and checked against every limit, then held together, or
 * rolled back together when one would pass its limit.
 */
export function createSqlBudgetCounters(engine: SqlEngine): BudgetCounterStore {
  return {
    async reserve(request) {
      try {
        const counters = await engine.transaction((tx) => reserveIn(tx, request));
        return { reserved: true, counters };
      } catch (error) {
        if (error instanceof OverLimit) {
          return { reserved: false, reason: 'over_limit', counterId: error.counterId, state: error.state };
        }
        if (error instanceof DuplicateCall) return { reserved: false, reason: 'duplicate_call' };
        throw error;
      }
    },
    settle: (callId, cost) => engine.transaction((tx) => finishIn(tx, callId, { ...cost, kind: 'settled' })),
    release: (callId) => engine.transaction((tx) => finishIn(tx, callId, undefined)),
    async sweepExpired(now, limit) {
      const expired = await engine.query<{ call_id: string; amount_micros: number }>(
        `SELECT call_id, amount_micros FROM budget_reservations WHERE lease_until < $1
         ORDER BY lease_until LIMIT $2`,
        [Math.floor(now), limit],
        'budget_expired_reservations',
      );
      let swept = 0;
      for (const row of expired.rows) {
        const zero = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
        const settled = await engine.transaction((tx) =>
          finishIn(tx, row.call_id, {
            costMicros: Number(row.amount_micros),
            usage: zero,
            priceVersion: 'lease_expired',
            at: now,
            kind: 'lease_expired',
          }),
        );
        if (settled) swept += 1;
      }
      return swept;
    },
    async read(counterIds) {
      const found = await engine.query<CounterRow>(
        'SELECT counter_id, spent_micros, reserved_micros FROM budget_counters WHERE counter_id = ANY($1::text[])',
        [counterIds],
        'budget_read_counters',
      );
      return new Map(found.rows.map((row) => [row.counter_id, stateOf(row)]));
    },
    overrides: (scopes) => readSqlOverrides(engine, scopes),
    setOverride: (change) => writeSqlOverride(engine, change),
    ledger: (filter) => readSqlLedger(engine, filter),
    reconcile: ({ repair }) => reconcileSqlCounters(engine, repair),
    async close() {},
  };
}
