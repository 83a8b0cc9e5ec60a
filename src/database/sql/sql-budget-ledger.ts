import type { CounterDrift, CounterState, LedgerFilter, LedgerRow } from '../../core/budget-counter-store.js';
import type { BudgetPayer } from '../../core/budget-gate.js';
import type { SqlEngine } from './sql-engine.js';

/** The columns a reservation row and a ledger row share: the call, who pays, and the model. */
export interface BudgetCallColumns {
  call_id: string;
  run_id: string;
  provider: string;
  model: string;
  tenant: string | null;
  subject: string | null;
  api_key_id: string | null;
}

interface LedgerRecord extends BudgetCallColumns {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_micros: number;
  price_version: string;
  counter_ids: string[];
  kind: LedgerRow['kind'];
  at: number;
}

const PAGE = 1_000;

/** The payer a budget row's `tenant`, `subject` and `api_key_id` columns name. */
export const payerOfRow = (
  row: Pick<BudgetCallColumns, 'tenant' | 'subject' | 'api_key_id'>,
): BudgetPayer => ({
  ...(row.tenant === null ? {} : { tenant: row.tenant }),
  ...(row.subject === null ? {} : { subject: row.subject }),
  ...(row.api_key_id === null ? {} : { apiKeyId: row.api_key_id }),
});

const rowOf = (record: LedgerRecord): LedgerRow => ({
  callId: record.call_id,
  runId: record.run_id,
  provider: record.provider,
  model: record.model,
  payer: payerOfRow(record),
  usage: {
    inputTokens: Number(record.input_tokens),
    outputTokens: Number(record.output_tokens),
    cacheReadTokens: Number(record.cache_read_tokens),
    cacheCreationTokens: Number(record.cache_write_tokens),
  },
  costMicros: Number(record.cost_micros),
  priceVersion: record.price_version,
  counterIds: record.counter_ids,
  kind: record.kind,
  at: Number(record.at),
});

/**
 * The ledger rows matching `filter`, oldest first, read a page at a time: keyset on time, then
 * call id, along the ledger's B-tree on `at` (migration 26), each page starting at its cursor's
 * time. A tenant's or a subject's rows are found along it too, the window's other rows skipped.
 * `pageSize` is for tests.
 */
export async function* readSqlLedger(
  engine: SqlEngine,
  filter: LedgerFilter,
  pageSize = PAGE,
): AsyncIterable<LedgerRow> {
  let after: { at: number; callId: string } | undefined;
  for (;;) {
    const page = await engine.query<LedgerRecord>(
      `SELECT * FROM budget_ledger
       WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR subject = $2)
         AND ($3::text IS NULL OR api_key_id = $3) AND at >= $4::bigint
         AND ($5::bigint IS NULL OR at < $5)
         AND ($6::text IS NULL OR (at, call_id) > ($4, $6))
       ORDER BY at, call_id LIMIT ${pageSize}`,
      [
        filter.tenant ?? null,
        filter.subject ?? null,
        filter.apiKeyId ?? null,
        Math.max(after?.at ?? Number.MIN_SAFE_INTEGER, filter.since ?? Number.MIN_SAFE_INTEGER),
        filter.until ?? null,
        after?.callId ?? null,
      ],
      'budget_read_ledger',
    );
    for (const record of page.rows) yield rowOf(record);
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < pageSize) return;
    after = { at: Number(last.at), callId: last.call_id };
  }
}

/**
 * Recomputes every counter from the ledger (spent) and the live reservations (held) in one
 * transaction that keeps reserves and settles out while it reads (and, with `repair`, writes).
 */
export async function reconcileSqlCounters(engine: SqlEngine, repair: boolean): Promise<CounterDrift[]> {
  return engine.transaction(async (tx) => {
    await tx.query(
      'LOCK TABLE budget_counters, budget_reservations, budget_ledger IN SHARE ROW EXCLUSIVE MODE',
    );
    const compared = await tx.query<{
      counter_id: string;
      stored_spent: number | null;
      stored_held: number | null;
      spent: number | null;
      held: number | null;
    }>(
      `WITH spent AS (
         SELECT id, sum(cost_micros) AS spent FROM budget_ledger, unnest(counter_ids) AS id GROUP BY id),
       held AS (
         SELECT id, sum(amount_micros) AS held FROM budget_reservations, unnest(counter_ids) AS id GROUP BY id),
       ids AS (SELECT counter_id AS id FROM budget_counters UNION SELECT id FROM spent UNION SELECT id FROM held)
       SELECT ids.id AS counter_id, c.spent_micros AS stored_spent, c.reserved_micros AS stored_held,
         spent.spent::bigint AS spent, held.held::bigint AS held
       FROM ids LEFT JOIN budget_counters c ON c.counter_id = ids.id
         LEFT JOIN spent ON spent.id = ids.id LEFT JOIN held ON held.id = ids.id`,
    );
    const drifts: CounterDrift[] = [];
    for (const row of compared.rows) {
      const stored: CounterState = {
        spentMicros: Number(row.stored_spent ?? 0),
        reservedMicros: Number(row.stored_held ?? 0),
      };
      const computed: CounterState = {
        spentMicros: Number(row.spent ?? 0),
        reservedMicros: Number(row.held ?? 0),
      };
      if (stored.spentMicros === computed.spentMicros && stored.reservedMicros === computed.reservedMicros)
        continue;
      drifts.push({ counterId: row.counter_id, stored, computed });
      if (!repair) continue;
      await tx.query(
        `INSERT INTO budget_counters (counter_id, spent_micros, reserved_micros) VALUES ($1, $2, $3)
         ON CONFLICT (counter_id) DO UPDATE SET spent_micros = $2, reserved_micros = $3`,
        [row.counter_id, computed.spentMicros, computed.reservedMicros],
      );
    }
    return drifts;
  });
}
