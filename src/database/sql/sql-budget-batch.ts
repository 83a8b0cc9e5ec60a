import type { SqlQueryable } from './sql-engine.js';

/**
 * A reservation taken, as its row in `budget_reservations` will say: one flat object, written to
 * the journal and the batch as a positional array (`budgetLineOf`).
 */
export interface ReserveWrite {
  kind: 'reserve';
  callId: string;
  amountMicros: number;
  counterIds: string[];
  /** Each counter's window end (ms since the epoch), null for `total`; same order as `counterIds`. */
  windowEnds: Array<number | null>;
  leaseUntil: number;
  runId: string;
  provider: string;
  model: string;
  tenant?: string | undefined;
  subject?: string | undefined;
  apiKeyId?: string | undefined;
}

/**
 * A reservation ended: settled or swept (with what it cost, for its ledger row) or released
 * (without `costMicros`). The row's context (run, provider, model, payer, counters) is its
 * reservation's, which the batch takes from the reservation's write in the same batch or from
 * the row it deletes.
 */
export interface EndWrite {
  kind: 'end';
  callId: string;
  costMicros?: number | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cacheReadTokens?: number | undefined;
  cacheCreationTokens?: number | undefined;
  priceVersion?: string | undefined;
  /** Settling time (ms since the epoch). */
  at?: number | undefined;
  /** Set for a lease sweep's worst case (ledger kind `lease_expired`); a settle leaves it out. */
  swept?: true | undefined;
}

/** One change to the budget tables, in the order the counters' authority made it. */
export type BudgetWrite = ReserveWrite | EndWrite;

/**
 * Writes a batch of reservations, settles and releases in ONE statement (data-modifying CTEs, so
 * one implicit transaction), from the batch as one JSON array (`$1`, the writes' lines as the
 * journal holds them, `budgetLineOf`: the process that decided them serializes each once, for the
 * journal and for this), each line an array read by position (`jsonb_array_elements`, then `->>`
 * per field: half the bytes of objects with named fields, and the server builds no table of
 * names per line as `json_to_recordset` did; bench/budget-batch-cost.ts): new
 * reservation rows, ended ones deleted, ledger rows appended, and each counter moved by what
 * those rows really did (`RETURNING`). A call's lines in the batch meet in one row of `calls`
 * (grouped by call id, not joined: a JSON array has no row estimates, and a join of its parts
 * could be planned as a nested loop). A reservation ended in the same batch is never written:
 * only its ledger row is. An end carries only its cost: `settled` takes the row's context from
 * the reservation's line in this batch or from the row an earlier batch wrote, which `ended`
 * deletes (whichever call it ends). An end whose reservation is neither was ended before (its row
 * is in the ledger already, or it was released), so it books nothing. Applying a batch again
 * changes nothing (rows conflict, deletes find nothing, so no counter moves): a journal replayed
 * after a crash may hold writes that were already committed. The ledger check (`OFFSET 0` keeps
 * it a per-row probe of the key) and the delete (`= ANY`) use their indexes, so neither scans a
 * growing table, and a large batch (a replayed journal) costs in proportion to its size.
 */
export const BATCH_STATEMENT = `
WITH lines AS MATERIALIZED (SELECT r, r->>0 AS tag FROM jsonb_array_elements($1::jsonb) AS x(r)),
w AS MATERIALIZED (
  SELECT 'reserve' AS kind, r->>1 AS "callId", (r->>2)::bigint AS "amountMicros",
    ARRAY(SELECT jsonb_array_elements_text(r->3)) AS "counterIds",
    ARRAY(SELECT e::bigint FROM jsonb_array_elements_text(r->4) AS e) AS "windowEnds",
    (r->>5)::float8 AS "leaseUntil", r->>6 AS "runId", r->>7 AS provider, r->>8 AS model, r->>9 AS tenant,
    r->>10 AS subject, r->>11 AS "apiKeyId", NULL::bigint AS "costMicros", NULL::bigint AS "inputTokens",
    NULL::bigint AS "outputTokens", NULL::bigint AS "cacheReadTokens", NULL::bigint AS "cacheCreationTokens",
    NULL::text AS "priceVersion", NULL::float8 AS at, NULL::boolean AS swept
  FROM lines WHERE tag = 'r'
  UNION ALL
  SELECT 'end', r->>1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (r->>2)::bigint, (r->>3)::bigint,
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
window_ends AS (
  SELECT DISTINCT ON (c.id) c.id, c.ends FROM w, unnest(w."counterIds", w."windowEnds") AS c(id, ends)
  WHERE w.kind = 'reserve'),
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
 * A write as its journal line: a JSON array read by position (`BATCH_STATEMENT`). A reservation
 * `["r", callId, amountMicros, counterIds, windowEnds, leaseUntil, runId, provider, model, tenant,
 * subject, apiKeyId]`; an end `["e", callId, costMicros, inputTokens, outputTokens,
 * cacheReadTokens, cacheCreationTokens, priceVersion, at, swept]`, or `["e", callId]` for a
 * release (no cost). A missing value is `null`.
 */
export function budgetLineOf(write: BudgetWrite): string {
  if (write.kind === 'reserve') {
    return JSON.stringify([
      'r',
      write.callId,
      write.amountMicros,
      write.counterIds,
      write.windowEnds,
      write.leaseUntil,
      write.runId,
      write.provider,
      write.model,
      write.tenant ?? null,
      write.subject ?? null,
      write.apiKeyId ?? null,
    ]);
  }
  if (write.costMicros === undefined) return JSON.stringify(['e', write.callId]);
  return JSON.stringify([
    'e',
    write.callId,
    write.costMicros,
    write.inputTokens ?? null,
    write.outputTokens ?? null,
    write.cacheReadTokens ?? null,
    write.cacheCreationTokens ?? null,
    write.priceVersion ?? null,
    write.at ?? null,
    write.swept === true ? true : null,
  ]);
}

/** A reservation's line, as `budgetLineOf` writes it. */
type ReserveLine = [
  tag: 'r',
  callId: string,
  amountMicros: number,
  counterIds: string[],
  windowEnds: Array<number | null>,
  leaseUntil: number,
  runId: string,
  provider: string,
  model: string,
  tenant: string | null,
  subject: string | null,
  apiKeyId: string | null,
];
/** An end's line with its cost, as `budgetLineOf` writes it. */
type EndLine = [
  tag: 'e',
  callId: string,
  costMicros: number | null,
  inputTokens: number | null,
  outputTokens: number | null,
  cacheReadTokens: number | null,
  cacheCreationTokens: number | null,
  priceVersion: string | null,
  at: number | null,
  swept: boolean | null,
];

const present = <Value>(value: Value | null | undefined): Value | undefined => value ?? undefined;

/**
 * The write a parsed journal line stands for: a line of `budgetLineOf`, or an object line as
 * journals written before it hold (`JSON.stringify` of the `BudgetWrite`). Undefined for
 * anything else (the replay skips it, as it skips a torn line).
 */
export function budgetWriteOfLine(parsed: unknown): BudgetWrite | undefined {
  if (!Array.isArray(parsed)) {
    const kind: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'kind') : undefined;
    return kind === 'reserve' || kind === 'end' ? (parsed as BudgetWrite) : undefined;
  }
  const [tag, callId] = parsed as unknown[];
  if (typeof callId !== 'string') return undefined;
  if (tag === 'r') {
    const line = parsed as ReserveLine;
    return {
      kind: 'reserve',
      callId,
      amountMicros: line[2],
      counterIds: line[3],
      windowEnds: line[4],
      leaseUntil: line[5],
      runId: line[6],
      provider: line[7],
      model: line[8],
      tenant: present(line[9]),
      subject: present(line[10]),
      apiKeyId: present(line[11]),
    };
  }
  if (tag !== 'e') return undefined;
  if (parsed.length <= 2) return { kind: 'end', callId };
  const line = parsed as EndLine;
  return {
    kind: 'end',
    callId,
    costMicros: present(line[2]),
    inputTokens: present(line[3]),
    outputTokens: present(line[4]),
    cacheReadTokens: present(line[5]),
    cacheCreationTokens: present(line[6]),
    priceVersion: present(line[7]),
    at: present(line[8]),
    swept: line[9] === true ? true : undefined,
  };
}

/**
 * Applies a batch given as the JSON array of its writes' lines, in order (the journal's lines
 * joined, `budgetLineOf`), in one statement (idempotent; see `BATCH_STATEMENT`).
 */
export async function writeBudgetBatchJson(db: SqlQueryable, writesJson: string): Promise<void> {
  await db.query(BATCH_STATEMENT, [writesJson], 'budget_write_batch');
}

/** Applies `writes` to the budget tables in one statement (idempotent; see `BATCH_STATEMENT`). */
export async function writeBudgetBatch(db: SqlQueryable, writes: readonly BudgetWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await writeBudgetBatchJson(db, `[${writes.map(budgetLineOf).join(',')}]`);
}
