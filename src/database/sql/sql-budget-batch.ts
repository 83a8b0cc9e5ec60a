import type { LedgerContext, SettledCost } from '../../core/budget-counter-store.js';
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

/**
 * A reservation ended: settled or swept (with what it cost, for its ledger row) or released
 * (without). The row's context (run, provider, model, payer, counters) is its reservation's,
 * which the batch takes from the reservation's write in the same batch or the row it deletes.
 */
export interface EndWrite {
  kind: 'end';
  callId: string;
  /** What the call cost; absent for a release. */
  cost?: SettledCost | undefined;
  /** Set for a lease sweep's worst case (ledger kind `lease_expired`); a settle leaves it out. */
  swept?: true | undefined;
}

/** One change to the budget tables, in the order the counters' authority made it. */
export type BudgetWrite = ReserveWrite | EndWrite;

/**
 * Writes a batch of reservations, settles and releases in ONE statement (data-modifying CTEs, so
 * one implicit transaction), from the batch as one JSON array (`$1`, the writes as the journal
 * holds them: the process that decided them serializes each once, for the journal and for this):
 * new reservation rows, ended ones deleted, ledger rows appended, and each counter moved by what
 * those rows really did (`RETURNING`). A reservation ended in the same batch is never written:
 * only its ledger row is (its row, when an earlier batch wrote it, is deleted). An end carries only its cost: its ledger row's context comes from its
 * reservation, the write in this batch (`held_here`) or the row the batch deletes (`ended`). An
 * end whose reservation is neither was ended before (its row is in the ledger already, or it was
 * released), so it books nothing. Applying a batch again changes nothing (rows conflict, deletes
 * find nothing, so no counter moves): a journal replayed after a crash may hold writes that were
 * already committed. The batch's call ids are matched by hashed `NOT IN` (never null), so a
 * large batch (a replayed journal) costs in proportion to its size.
 */
const BATCH_STATEMENT = `
WITH w AS MATERIALIZED (
  SELECT v, v->>'kind' AS kind, v->>'callId' AS call_id FROM jsonb_array_elements($1::jsonb) AS e(v)),
reserves AS (SELECT v, call_id FROM w WHERE kind = 'reserve'),
ends AS (SELECT v, call_id FROM w WHERE kind = 'end'),
fresh AS (
  INSERT INTO budget_reservations
    (call_id, amount_micros, counter_ids, lease_until, run_id, provider, model, tenant, subject, api_key_id)
  SELECT r.call_id, (r.v->>'amountMicros')::bigint, ARRAY(SELECT jsonb_array_elements_text(r.v->'counterIds')),
    ceil((r.v->>'leaseUntil')::float8)::bigint, r.v->'entry'->>'runId', r.v->'entry'->>'provider',
    r.v->'entry'->>'model', r.v->'entry'->'payer'->>'tenant', r.v->'entry'->'payer'->>'subject',
    r.v->'entry'->'payer'->>'apiKeyId'
  FROM reserves r
  WHERE r.call_id NOT IN (SELECT call_id FROM ends)
    AND NOT EXISTS (SELECT 1 FROM budget_ledger l WHERE l.call_id = r.call_id)
  ON CONFLICT (call_id) DO NOTHING
  RETURNING amount_micros, counter_ids),
ended AS (
  DELETE FROM budget_reservations
  WHERE call_id IN (SELECT call_id FROM ends)
  RETURNING call_id, amount_micros, counter_ids, run_id, provider, model, tenant, subject, api_key_id),
held_here AS (
  SELECT r.call_id, r.v->'entry' AS entry, ARRAY(SELECT jsonb_array_elements_text(r.v->'counterIds')) AS counter_ids
  FROM reserves r WHERE r.call_id IN (SELECT call_id FROM ends WHERE jsonb_typeof(v->'cost') = 'object')
    AND r.call_id NOT IN (SELECT call_id FROM ended)),
context AS (
  SELECT call_id, run_id, provider, model, tenant, subject, api_key_id, counter_ids FROM ended
  UNION ALL
  SELECT call_id, entry->>'runId', entry->>'provider', entry->>'model', entry->'payer'->>'tenant',
    entry->'payer'->>'subject', entry->'payer'->>'apiKeyId', counter_ids FROM held_here),
booked AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT x.call_id, x.run_id, x.provider, x.model, x.tenant, x.subject, x.api_key_id,
    (c->'usage'->>'inputTokens')::bigint, (c->'usage'->>'outputTokens')::bigint,
    (c->'usage'->>'cacheReadTokens')::bigint, (c->'usage'->>'cacheCreationTokens')::bigint,
    (c->>'costMicros')::bigint, c->>'priceVersion', x.counter_ids,
    CASE WHEN e.v->'swept' = 'true'::jsonb THEN 'lease_expired' ELSE 'settled' END, floor((c->>'at')::float8)::bigint
  FROM ends e CROSS JOIN LATERAL (SELECT e.v->'cost' AS c) AS cost
  JOIN context x ON x.call_id = e.call_id
  WHERE jsonb_typeof(c) = 'object'
  ON CONFLICT (call_id) DO NOTHING
  RETURNING cost_micros, counter_ids),
window_ends AS (
  SELECT DISTINCT ON (c.id) c.id, c.ends FROM reserves r, LATERAL (
    SELECT x.id, (r.v->'windowEnds'->>(x.n::int - 1))::bigint AS ends
    FROM jsonb_array_elements_text(r.v->'counterIds') WITH ORDINALITY AS x(id, n)) AS c),
moves AS (
  SELECT id, amount_micros AS reserved, 0::bigint AS spent FROM fresh, unnest(counter_ids) AS id
  UNION ALL SELECT id, -amount_micros, 0::bigint FROM ended, unnest(counter_ids) AS id
  UNION ALL SELECT id, 0::bigint, cost_micros FROM booked, unnest(counter_ids) AS id),
sums AS (SELECT id, sum(reserved)::bigint AS reserved, sum(spent)::bigint AS spent FROM moves GROUP BY id)
INSERT INTO budget_counters (counter_id, spent_micros, reserved_micros, window_ends_at)
SELECT sums.id, sums.spent, sums.reserved, window_ends.ends
FROM sums LEFT JOIN window_ends ON window_ends.id = sums.id
ON CONFLICT (counter_id) DO UPDATE SET
  spent_micros = budget_counters.spent_micros + EXCLUDED.spent_micros,
  reserved_micros = budget_counters.reserved_micros + EXCLUDED.reserved_micros`;

/**
 * Applies a batch given as the JSON array of its writes, in order (`JSON.stringify` of
 * `BudgetWrite[]`, or the journal's lines joined), in one statement (idempotent; see
 * `BATCH_STATEMENT`).
 */
export async function writeBudgetBatchJson(db: SqlQueryable, writesJson: string): Promise<void> {
  await db.query(BATCH_STATEMENT, [writesJson], 'budget_write_batch');
}

/** Applies `writes` to the budget tables in one statement (idempotent; see `BATCH_STATEMENT`). */
export async function writeBudgetBatch(db: SqlQueryable, writes: readonly BudgetWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await writeBudgetBatchJson(db, JSON.stringify(writes));
}
