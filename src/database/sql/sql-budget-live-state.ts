import type { BudgetOverride, CounterState, LedgerContext } from '../../core/budget-counter-store.js';
import { payerOfRow, type BudgetCallColumns } from './sql-budget-ledger.js';
import { overrideOfRow, type OverrideRow } from './sql-budget-overrides.js';
import type { SqlQueryable } from './sql-engine.js';

/** A live reservation as a sole writer's counters keep it in memory. */
export interface LiveReservation {
  callId: string;
  amountMicros: number;
  counterIds: string[];
  leaseUntil: number;
  entry: LedgerContext;
}

interface ReservationRow extends BudgetCallColumns {
  amount_micros: number;
  counter_ids: string[];
  lease_until: number;
}

/** Every live reservation in `budget_reservations`, oldest lease first. */
export async function readSqlReservations(db: SqlQueryable): Promise<LiveReservation[]> {
  const found = await db.query<ReservationRow>('SELECT * FROM budget_reservations ORDER BY lease_until');
  return found.rows.map((row) => ({
    callId: row.call_id,
    amountMicros: Number(row.amount_micros),
    counterIds: row.counter_ids,
    leaseUntil: Number(row.lease_until),
    entry: {
      runId: row.run_id,
      provider: row.provider,
      model: row.model,
      payer: payerOfRow(row),
    },
  }));
}

/** Every runtime override in `budget_overrides`. */
export async function readAllSqlOverrides(db: SqlQueryable): Promise<BudgetOverride[]> {
  const found = await db.query<OverrideRow>('SELECT * FROM budget_overrides');
  return found.rows.map(overrideOfRow);
}

/** The counters a sole writer holds in memory (see `createCounterMemory`). */
export interface CounterMemory {
  /** Whether `id` is held (read already, or made by a call). */
  has(id: string): boolean;
  /** `id`'s state, made zero when not held (call it only for counters loaded or new). */
  stateOf(id: string): CounterState;
  /** Reads from `budget_counters` the counters of `ids` not held yet (absent rows are zero). */
  load(ids: readonly string[]): Promise<void>;
}

/**
 * The counters of a sole writer: each read from its table the first time a call needs it (one
 * read for concurrent callers), then kept, since no other process changes the row. One entry per
 * budget and window, kept as the table keeps its rows.
 */
export function createCounterMemory(db: SqlQueryable): CounterMemory {
  const counters = new Map<string, CounterState>();
  const loading = new Map<string, Promise<void>>();
  const stateOf = (id: string): CounterState => {
    let state = counters.get(id);
    if (state === undefined) counters.set(id, (state = { spentMicros: 0, reservedMicros: 0 }));
    return state;
  };
  const fetch = async (ids: readonly string[]): Promise<void> => {
    try {
      const found = await db.query<{ counter_id: string; spent_micros: number; reserved_micros: number }>(
        'SELECT counter_id, spent_micros, reserved_micros FROM budget_counters WHERE counter_id = ANY($1::text[])',
        [ids],
        'budget_read_counters',
      );
      for (const row of found.rows) {
        if (counters.has(row.counter_id)) continue;
        counters.set(row.counter_id, {
          spentMicros: Number(row.spent_micros),
          reservedMicros: Number(row.reserved_micros),
        });
      }
      for (const id of ids) stateOf(id);
    } finally {
      for (const id of ids) loading.delete(id);
    }
  };
  return {
    has: (id) => counters.has(id),
    stateOf,
    async load(ids) {
      const waits: Array<Promise<void>> = [];
      const missing: string[] = [];
      for (const id of ids) {
        if (counters.has(id)) continue;
        const pending = loading.get(id);
        if (pending === undefined) missing.push(id);
        else waits.push(pending);
      }
      if (missing.length > 0) {
        const load = fetch(missing);
        for (const id of missing) loading.set(id, load);
        waits.push(load);
      }
      await Promise.all(waits);
    },
  };
}
