import type { LedgerContext, LedgerRow } from '../../core/budget-counter-store.js';
import type { SqlQueryable } from './sql-engine.js';

/** A reservation taken, as its row in `budget_reservations` will say. */
export interface ReserveWrite {
  kind: 'reserve';
  callId: string;
  amountMicros: number;
  counterIds: string[];
  /** Each counter's window end (ms since the epoch), null for `total`; same order as `counterIds`. */
  windowEnds: Array<number | null>;
  leaseUntil: number;
  entry: LedgerContext;
}

/** A reservation ended: settled (with its ledger row) or released (without). */
export interface EndWrite {
  kind: 'end';
  callId: string;
  /** The ledger row of a settle or a lease sweep; absent for a release. */
  row?: LedgerRow | undefined;
}

/** One change to the budget tables, in the order the counters' authority made it. */
export type BudgetWrite = ReserveWrite | EndWrite;

/**
 * Writes a batch of reservations, settles and releases in ONE statement (data-modifying CTEs, so
 * one implicit transaction): new reservation rows, ended ones deleted, ledger rows appended, and
 * each counter moved by what those rows really did (`RETURNING`). A reservation ended in the same
 * batch is never written: only its ledger row is. Applying a batch again changes nothing (rows
 * conflict, deletes find nothing, so no counter moves): a journal replayed after a crash may hold
 * writes that were already committed.
 */
const BATCH_STATEMENT = `
WITH fresh AS (
  INSERT INTO budget_reservations
    (call_id, amount_micros, counter_ids, lease_until, run_id, provider, model, tenant, subject, api_key_id)
  SELECT r.call_id, r.amount, ARRAY(SELECT jsonb_array_elements_text(r.counters::jsonb)), r.lease,
    r.run_id, r.provider, r.model, r.tenant, r.subject, r.api_key_id
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[])
    AS r(call_id, amount, counters, lease, run_id, provider, model, tenant, subject, api_key_id)
  WHERE NOT EXISTS (SELECT 1 FROM budget_ledger l WHERE l.call_id = r.call_id)
  ON CONFLICT (call_id) DO NOTHING
  RETURNING amount_micros, counter_ids),
ended AS (
  DELETE FROM budget_reservations WHERE call_id = ANY($11::text[]) RETURNING amount_micros, counter_ids),
booked AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT b.call_id, b.run_id, b.provider, b.model, b.tenant, b.subject, b.api_key_id, b.input, b.output,
    b.cache_read, b.cache_write, b.cost, b.price_version,
    ARRAY(SELECT jsonb_array_elements_text(b.counters::jsonb)), b.kind, b.at
  FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
    $19::bigint[], $20::bigint[], $21::bigint[], $22::bigint[], $23::bigint[], $24::text[], $25::text[],
    $26::text[], $27::bigint[])
    AS b(call_id, run_id, provider, model, tenant, subject, api_key_id, input, output, cache_read,
      cache_write, cost, price_version, counters, kind, at)
  ON CONFLICT (call_id) DO NOTHING
  RETURNING cost_micros, counter_ids),
moves AS (
  SELECT id, amount_micros AS reserved, 0::bigint AS spent FROM fresh, unnest(counter_ids) AS id
  UNION ALL SELECT id, -amount_micros, 0::bigint FROM ended, unnest(counter_ids) AS id
  UNION ALL SELECT id, 0::bigint, cost_micros FROM booked, unnest(counter_ids) AS id),
sums AS (SELECT id, sum(reserved)::bigint AS reserved, sum(spent)::bigint AS spent FROM moves GROUP BY id)
INSERT INTO budget_counters (counter_id, spent_micros, reserved_micros, window_ends_at)
SELECT sums.id, sums.spent, sums.reserved, w.ends
FROM sums LEFT JOIN unnest($28::text[], $29::bigint[]) AS w(id, ends) ON w.id = sums.id
ON CONFLICT (counter_id) DO UPDATE SET
  spent_micros = budget_counters.spent_micros + EXCLUDED.spent_micros,
  reserved_micros = budget_counters.reserved_micros + EXCLUDED.reserved_micros`;

/** The writes of a batch, netted: what to insert, delete and append. */
interface NettedBatch {
  fresh: ReserveWrite[];
  ended: string[];
  rows: LedgerRow[];
  windowEnds: Map<string, number | null>;
}

/** Nets `writes` in order: a reservation ended within the batch leaves only its ledger row. */
export function netBudgetWrites(writes: readonly BudgetWrite[]): NettedBatch {
  const fresh = new Map<string, ReserveWrite>();
  const ended: string[] = [];
  const rows: LedgerRow[] = [];
  const windowEnds = new Map<string, number | null>();
  for (const write of writes) {
    if (write.kind === 'reserve') {
      fresh.set(write.callId, write);
      write.counterIds.forEach((id, index) => windowEnds.set(id, write.windowEnds[index] ?? null));
      continue;
    }
    if (!fresh.delete(write.callId)) ended.push(write.callId);
    if (write.row !== undefined) rows.push(write.row);
  }
  return { fresh: [...fresh.values()], ended, rows, windowEnds };
}

/** Applies `writes` to the budget tables in one statement (idempotent; see `BATCH_STATEMENT`). */
export async function writeBudgetBatch(db: SqlQueryable, writes: readonly BudgetWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const { fresh, ended, rows, windowEnds } = netBudgetWrites(writes);
  await db.query(
    BATCH_STATEMENT,
    [
      fresh.map((write) => write.callId),
      fresh.map((write) => write.amountMicros),
      fresh.map((write) => JSON.stringify(write.counterIds)),
      fresh.map((write) => Math.ceil(write.leaseUntil)),
      fresh.map((write) => write.entry.runId),
      fresh.map((write) => write.entry.provider),
      fresh.map((write) => write.entry.model),
      fresh.map((write) => write.entry.payer.tenant ?? null),
      fresh.map((write) => write.entry.payer.subject ?? null),
      fresh.map((write) => write.entry.payer.apiKeyId ?? null),
      ended,
      rows.map((row) => row.callId),
      rows.map((row) => row.runId),
      rows.map((row) => row.provider),
      rows.map((row) => row.model),
      rows.map((row) => row.payer.tenant ?? null),
      rows.map((row) => row.payer.subject ?? null),
      rows.map((row) => row.payer.apiKeyId ?? null),
      rows.map((row) => row.usage.inputTokens),
      rows.map((row) => row.usage.outputTokens),
      rows.map((row) => row.usage.cacheReadTokens),
      rows.map((row) => row.usage.cacheCreationTokens),
      rows.map((row) => row.costMicros),
      rows.map((row) => row.priceVersion),
      rows.map((row) => JSON.stringify(row.counterIds)),
      rows.map((row) => row.kind),
      rows.map((row) => Math.floor(row.at)),
      [...windowEnds.keys()],
      [...windowEnds.values()],
    ],
    'budget_write_batch',
  );
}
