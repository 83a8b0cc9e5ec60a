import {
  budgetLineOf,
  budgetWriteOfLine,
  type BudgetWrite,
  type EndWrite,
  type ReserveWrite,
} from './budget-lines.js';
import type { SqlQueryable } from './sql-engine.js';

/**
 * Writes a batch of reservations, settles and releases in ONE statement (data-modifying CTEs, so
 * one implicit transaction) from three JSON parameters (`BudgetBatch.parameters`), each line a
 * journal line as the process that decided it serialized it once (`budgetLineOf`), read by
 * position (`jsonb_array_elements`, then `->>` per field):
 *
 * - `$2`, the pairs: a reservation and its settle, both of this batch (`[reserveLine, endLine]`).
 *   Most calls of a busy gateway start and end within one batch: each is one ledger row, read
 *   straight from its pair, and never a reservation row (bench/budget-batch-cost.ts).
 * - `$1`, every other line, in order: reservations still live at the batch's end, ends of
 *   reservations an earlier batch wrote, releases. A call's lines meet in one row of `calls`
 *   (grouped by call id, not joined: a JSON array has no row estimates, and a join of its parts
 *   could be planned as a nested loop): new reservation rows, ended ones deleted and booked. An
 *   end carries only its cost: `settled` takes the row's context from the reservation's line in
 *   this batch or from the row an earlier batch wrote, which `ended` deletes. An end whose
 *   reservation is neither was ended before (its row is in the ledger already, or it was
 *   released), so it books nothing.
 * - `$3`, `[[counterId, windowEndsAt], ...]` of the batch's reservations: a counter's row is
 *   made with its window's end the first time a batch moves it.
 *
 * Each counter moves by what the rows really did (`RETURNING`). Applying a batch of `$1` lines
 * again changes nothing (rows conflict, deletes find nothing, so no counter moves): a journal
 * replayed after a crash may hold writes that were already committed. A pair skips the
 * reservation table, so a batch pairs only a reservation of its own that no batch before it can
 * have written (`BudgetBatch`; a replay pairs nothing), and its row goes in without
 * `ON CONFLICT` (the speculative insert cost an eighth of the statement): a batch sent again
 * after its commit was not acknowledged fails on its first pair, and `writeBudgetBatchOf` then
 * writes it unpaired, which changes nothing. The ledger check (`OFFSET 0` keeps it a per-row probe
 * of the key) and the delete (`= ANY`) use their indexes, so neither scans a growing table, and a
 * large batch (a replayed journal) costs in proportion to its size.
 */
export const BATCH_STATEMENT = `
WITH lines AS MATERIALIZED (SELECT r, r->>0 AS tag FROM jsonb_array_elements($1::jsonb) AS x(r)),
pairs AS MATERIALIZED (
  SELECT p->0 AS r, p->1 AS e, ARRAY(SELECT jsonb_array_elements_text(p->0->3)) AS counter_ids
  FROM jsonb_array_elements($2::jsonb) AS y(p)),
w AS MATERIALIZED (
  SELECT 'reserve' AS kind, r->>1 AS "callId", (r->>2)::bigint AS "amountMicros",
    ARRAY(SELECT jsonb_array_elements_text(r->3)) AS "counterIds",
    (r->>5)::float8 AS "leaseUntil", r->>6 AS "runId", r->>7 AS provider, r->>8 AS model, r->>9 AS tenant,
    r->>10 AS subject, r->>11 AS "apiKeyId", NULL::bigint AS "costMicros", NULL::bigint AS "inputTokens",
    NULL::bigint AS "outputTokens", NULL::bigint AS "cacheReadTokens", NULL::bigint AS "cacheCreationTokens",
    NULL::text AS "priceVersion", NULL::float8 AS at, NULL::boolean AS swept
  FROM lines WHERE tag = 'r'
  UNION ALL
  SELECT 'end', r->>1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (r->>2)::bigint, (r->>3)::bigint,
    (r->>4)::bigint, (r->>5)::bigint, (r->>6)::bigint, r->>7, (r->>8)::float8, (r->>9)::boolean
  FROM lines WHERE tag = 'e'),
calls AS MATERIALIZED (
  SELECT "callId" AS call_id, bool_or(kind = 'reserve') AS reserved, bool_or(kind = 'end') AS ends_here,
    max("amountMicros") AS amount_micros, max("counterIds") AS counter_ids, max("leaseUntil") AS lease_until,
    max("runId") AS run_id, max(provider) AS provider, max(model) AS model, max(tenant) AS tenant,
    max(subject) AS subject, max("apiKeyId") AS api_key_id, max("costMicros") AS cost_micros,
    max("inputTokens") AS input_tokens, max("outputTokens") AS output_tokens,
    max("cacheReadTokens") AS cache_read_tokens, max("cacheCreationTokens") AS cache_write_tokens,
    max("priceVersion") AS price_version, max(at) AS at, bool_or(swept) AS swept
  FROM w GROUP BY "callId"),
fresh AS (
  INSERT INTO budget_reservations
    (call_id, amount_micros, counter_ids, lease_until, run_id, provider, model, tenant, subject, api_key_id)
  SELECT call_id, amount_micros, counter_ids, ceil(lease_until)::bigint, run_id, provider, model, tenant, subject,
    api_key_id
  FROM calls c
  WHERE reserved AND NOT ends_here
    AND NOT EXISTS (SELECT 1 FROM budget_ledger l WHERE l.call_id = c.call_id OFFSET 0)
  ON CONFLICT (call_id) DO NOTHING
  RETURNING amount_micros, counter_ids),
ended AS (
  DELETE FROM budget_reservations
  WHERE call_id = ANY (ARRAY(SELECT call_id FROM calls WHERE ends_here))
  RETURNING call_id, amount_micros, counter_ids, run_id, provider, model, tenant, subject, api_key_id),
settled AS (
  SELECT call_id, max(run_id) AS run_id, max(provider) AS provider, max(model) AS model, max(tenant) AS tenant,
    max(subject) AS subject, max(api_key_id) AS api_key_id, max(counter_ids) AS counter_ids,
    max(cost_micros) AS cost_micros, max(input_tokens) AS input_tokens, max(output_tokens) AS output_tokens,
    max(cache_read_tokens) AS cache_read_tokens, max(cache_write_tokens) AS cache_write_tokens,
    max(price_version) AS price_version, max(at) AS at, bool_or(swept) AS swept
  FROM (
    SELECT call_id, run_id, provider, model, tenant, subject, api_key_id, counter_ids, NULL::bigint AS cost_micros,
      NULL::bigint AS input_tokens, NULL::bigint AS output_tokens, NULL::bigint AS cache_read_tokens,
      NULL::bigint AS cache_write_tokens, NULL::text AS price_version, NULL::float8 AS at, NULL::boolean AS swept
    FROM ended
    UNION ALL
    SELECT call_id, run_id, provider, model, tenant, subject, api_key_id, counter_ids, cost_micros, input_tokens,
      output_tokens, cache_read_tokens, cache_write_tokens, price_version, at, swept
    FROM calls WHERE ends_here AND cost_micros IS NOT NULL) AS parts
  GROUP BY call_id
  HAVING max(cost_micros) IS NOT NULL AND max(run_id) IS NOT NULL),
booked AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT call_id, run_id, provider, model, tenant, subject, api_key_id, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost_micros, price_version, counter_ids,
    CASE WHEN swept THEN 'lease_expired' ELSE 'settled' END, floor(at)::bigint
  FROM settled
  ON CONFLICT (call_id) DO NOTHING
  RETURNING cost_micros, counter_ids),
paired AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT r->>1, r->>6, r->>7, r->>8, r->>9, r->>10, r->>11, (e->>3)::bigint, (e->>4)::bigint, (e->>5)::bigint,
    (e->>6)::bigint, (e->>2)::bigint, e->>7, counter_ids,
    CASE WHEN (e->>9)::boolean THEN 'lease_expired' ELSE 'settled' END, floor((e->>8)::float8)::bigint
  FROM pairs
  RETURNING cost_micros, counter_ids),
window_ends AS (SELECT x->>0 AS id, (x->>1)::bigint AS ends FROM jsonb_array_elements($3::jsonb) AS x),
moves AS (
  SELECT id, amount_micros AS reserved, 0::bigint AS spent FROM fresh, unnest(counter_ids) AS id
  UNION ALL SELECT id, -amount_micros, 0::bigint FROM ended, unnest(counter_ids) AS id
  UNION ALL SELECT id, 0::bigint, cost_micros FROM booked, unnest(counter_ids) AS id
  UNION ALL SELECT id, 0::bigint, cost_micros FROM paired, unnest(counter_ids) AS id),
sums AS (SELECT id, sum(reserved)::bigint AS reserved, sum(spent)::bigint AS spent FROM moves GROUP BY id)
INSERT INTO budget_counters (counter_id, spent_micros, reserved_micros, window_ends_at)
SELECT sums.id, sums.spent, sums.reserved, window_ends.ends
FROM sums LEFT JOIN window_ends ON window_ends.id = sums.id
ON CONFLICT (counter_id) DO UPDATE SET
  spent_micros = budget_counters.spent_micros + EXCLUDED.spent_micros,
  reserved_micros = budget_counters.reserved_micros + EXCLUDED.reserved_micros`;

/**
 * The writes of one batch, gathered as `BATCH_STATEMENT` reads them: a settle of a reservation
 * added to the same batch makes the two lines a pair (a release of one drops both: nothing was
 * held in the tables); every other line stays in order. Pairing is right only for a reservation
 * no earlier statement can have written: a live writer's batch, sent once it is complete and
 * after every batch before it (`createBudgetWriteBehind`). A journal's replay goes through
 * `writeBudgetBatch`, which pairs nothing.
 *
 * A reservation still open when its batch goes out can be carried into the next batch once
 * (`carryOpen`) instead of being written as a row: most calls of a busy gateway end within two
 * holds, and a reservation carried then meets its settle as a pair. A reservation row, its
 * delete and the grouping of its two lines cost the server about twice what a pair does
 * (bench/budget-batch-cost.ts); one carried twice is written as a row.
 */
export class BudgetBatch {
  /** The unpaired lines in order; '' where a reservation's line went into a pair or was carried. */
  #lines: string[] = [];
  /** The writer's sequence number of each reservation's line in `#lines` (0 for other lines). */
  #sequences: number[] = [];
  #pairs: string[] = [];
  /** The reservations of this batch not ended in it: call id, index of its line. */
  #open = new Map<string, number>();
  #windowEnds = new Map<string, number | null>();
  #writes = 0;
  /** Lines below this index were carried from the batch before: they are not carried again. */
  #carried = 0;

  /** How many writes were added (paired and dropped ones included). */
  get size(): number {
    return this.#writes;
  }

  /**
   * The sequence number of the earliest reservation carried into this batch (undefined when it
   * holds none): the writer's writes before it are all committed once the batch before is.
   * Carried ones that paired or were released since count too: they are not committed either.
   */
  get firstCarried(): number | undefined {
    return this.#carried > 0 ? this.#sequences[0] : undefined;
  }

  /** Whether sending the batch would write nothing (every line paired off, dropped or carried). */
  isEmpty(): boolean {
    return this.#pairs.length === 0 && this.#lines.every((line) => line === '');
  }

  /**
   * Adds a reservation; `line` is its journal line (`budgetLineOf`), `sequence` the writer's
   * number of the write (what `firstCarried` reports).
   */
  addReserve(write: ReserveWrite, line: string, sequence = 0): void {
    this.#writes += 1;
    this.#open.set(write.callId, this.#lines.length);
    this.#lines.push(line);
    this.#sequences.push(sequence);
    const { counterIds, windowEnds } = write;
    for (let index = 0; index < counterIds.length; index += 1) {
      this.#windowEnds.set(counterIds[index] as string, windowEnds[index] ?? null);
    }
  }

  /** Adds a reservation's end; `line` is its journal line (`budgetLineOf`). */
  addEnd(write: EndWrite, line: string): void {
    this.#writes += 1;
    const at = this.#open.get(write.callId);
    if (at === undefined) {
      this.#lines.push(line);
      this.#sequences.push(0);
      return;
    }
    this.#open.delete(write.callId);
    if (write.costMicros !== undefined) this.#pairs.push(`[${this.#lines[at] as string},${line}]`);
    this.#lines[at] = '';
  }

  /**
   * Moves the reservations still open that were not carried here already out of this batch
   * and into a new one, which is returned: the batch to add the next writes to. Call it once this
   * batch is complete, before it is sent.
   */
  carryOpen(): BudgetBatch {
    const next = new BudgetBatch();
    for (const [callId, at] of this.#open) {
      if (at < this.#carried) continue;
      next.#open.set(callId, next.#lines.length);
      next.#lines.push(this.#lines[at] as string);
      next.#sequences.push(this.#sequences[at] as number);
      next.#writes += 1;
      this.#lines[at] = '';
      this.#open.delete(callId);
    }
    next.#carried = next.#lines.length;
    // The carried reservations' counters may be new: their window ends go with them.
    if (next.#carried > 0) next.#windowEnds = new Map(this.#windowEnds);
    return next;
  }

  /** The batch's writes read back from its lines, pairs unpaired (what `writeBudgetBatch` takes). */
  writes(): BudgetWrite[] {
    const parsed = this.#lines.filter((line) => line !== '').map((line): unknown => JSON.parse(line));
    // A pair is `[reserveLine,endLine]`: its two lines, parsed together.
    for (const pair of this.#pairs) parsed.push(...(JSON.parse(pair) as unknown[]));
    return parsed.flatMap((line) => budgetWriteOfLine(line) ?? []);
  }

  /** `BATCH_STATEMENT`'s parameters: the unpaired lines, the pairs, the counters' window ends. */
  parameters(): [string, string, string] {
    const lines = this.#lines.filter((line) => line !== '');
    return [`[${lines.join(',')}]`, `[${this.#pairs.join(',')}]`, JSON.stringify([...this.#windowEnds])];
  }
}

/** Whether `error` is PostgreSQL's `unique_violation`. */
const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * Applies `batch` in one statement. Idempotent: when a pair's ledger row is there already (the
 * batch was committed before, and the answer lost), the batch goes again unpaired (see
 * `BATCH_STATEMENT`).
 */
export async function writeBudgetBatchOf(db: SqlQueryable, batch: BudgetBatch): Promise<void> {
  if (batch.isEmpty()) return;
  try {
    await db.query(BATCH_STATEMENT, batch.parameters(), 'budget_write_batch');
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await writeBudgetBatch(db, batch.writes());
  }
}

/**
 * Applies `writes` to the budget tables in one statement, none paired (idempotent; see
 * `BATCH_STATEMENT`): what a journal's replay does, whose reservations an earlier batch may have
 * written already.
 */
export async function writeBudgetBatch(db: SqlQueryable, writes: readonly BudgetWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const windowEnds = new Map<string, number | null>();
  for (const write of writes) {
    if (write.kind !== 'reserve') continue;
    write.counterIds.forEach((id, index) => windowEnds.set(id, write.windowEnds[index] ?? null));
  }
  await db.query(
    BATCH_STATEMENT,
    [`[${writes.map(budgetLineOf).join(',')}]`, '[]', JSON.stringify([...windowEnds])],
    'budget_write_batch',
  );
}
