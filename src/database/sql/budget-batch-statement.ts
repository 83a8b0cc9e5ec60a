/**
 * Writes a batch of reservations, settles and releases in ONE statement (data-modifying CTEs, so
 * one implicit transaction) from the five parameters `BudgetBatch.parameters` makes:
 *
 * - `$2`, the pairs: calls reserved and settled within this batch, each as its ledger row
 *   (`ledgerRowElementOf`, a `budget_ledger[]` literal). Most calls of a busy gateway start and
 *   end within one batch: each is one ledger row, read field by field with the columns' own
 *   input functions, and never a reservation row (bench/budget-batch-cost.ts). `$4` and `$5`
 *   are what the pairs add to each counter's spend (counter ids, micro-dollars), summed by the
 *   batch.
 * - `$1`, every other line as a JSON array of journal lines (`budgetLineOf`), read by position
 *   (`jsonb_array_elements`, then `->>` per field), in order: reservations still live at the
 *   batch's end, ends of reservations an earlier batch wrote, releases. A call's lines meet in
 *   one row of `calls` (grouped by call id, not joined: a JSON array has no row estimates, and a
 *   join of its parts could be planned as a nested loop): new reservation rows, ended ones
 *   deleted and booked. An end carries only its cost: `settled` takes the row's context from the
 *   reservation's line in this batch or from the row an earlier batch wrote, which `ended`
 *   deletes. An end whose reservation is neither was ended before (its row is in the ledger
 *   already, or it was released), so it books nothing.
 * - `$3`, `[[counterId, windowEndsAt], ...]` of the batch's reservations: a counter's row is
 *   made with its window's end the first time a batch moves it.
 *
 * Each counter moves by what the rows of `$1` really did (`RETURNING`), and by the pairs' sums.
 * Applying a batch of `$1` lines again changes nothing (rows conflict, deletes find nothing, so
 * no counter moves): a journal replayed after a crash may hold writes that were already
 * committed. A pair skips the reservation table, so a batch pairs only a reservation of its own
 * that no batch before it can have written (`BudgetBatch`; a replay pairs nothing), and its row
 * goes in without `ON CONFLICT` (the speculative insert cost an eighth of the statement): all of
 * the pairs' rows go in, or the statement fails, so their sums are what the ledger got. A batch
 * sent again after its commit was not acknowledged fails on its first pair (a unique violation),
 * and `writeBudgetBatchOf` then writes it unpaired, which changes nothing. The ledger check
 * (`OFFSET 0` keeps it a per-row probe of the key) and the delete (`= ANY`) use their indexes, so
 * neither scans a growing table, and a large batch (a replayed journal) costs in proportion to
 * its size.
 */
export const BATCH_STATEMENT = `
WITH lines AS MATERIALIZED (SELECT r, r->>0 AS tag FROM jsonb_array_elements($1::jsonb) AS x(r)),
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
paired AS (INSERT INTO budget_ledger SELECT * FROM unnest($2::budget_ledger[])),
window_ends AS (SELECT x->>0 AS id, (x->>1)::bigint AS ends FROM jsonb_array_elements($3::jsonb) AS x),
moves AS (
  SELECT id, amount_micros AS reserved, 0::bigint AS spent FROM fresh, unnest(counter_ids) AS id
  UNION ALL SELECT id, -amount_micros, 0::bigint FROM ended, unnest(counter_ids) AS id
  UNION ALL SELECT id, 0::bigint, cost_micros FROM booked, unnest(counter_ids) AS id
  UNION ALL SELECT id, 0::bigint, spent FROM unnest($4::text[], $5::bigint[]) AS p(id, spent)),
sums AS (SELECT id, sum(reserved)::bigint AS reserved, sum(spent)::bigint AS spent FROM moves GROUP BY id)
INSERT INTO budget_counters (counter_id, spent_micros, reserved_micros, window_ends_at)
SELECT sums.id, sums.spent, sums.reserved, window_ends.ends
FROM sums LEFT JOIN window_ends ON window_ends.id = sums.id
ON CONFLICT (counter_id) DO UPDATE SET
  spent_micros = budget_counters.spent_micros + EXCLUDED.spent_micros,
  reserved_micros = budget_counters.reserved_micros + EXCLUDED.reserved_micros`;

/**
 * `BATCH_STATEMENT` for a batch of pairs alone, the usual one (every reservation settled within
 * the batch or the next, `BudgetBatch.carryOpen`): the pairs' ledger rows and what they add to
 * each counter, without the grouping of unpaired lines, whose CTEs cost the server about a fifth
 * of the statement even when `$1` is empty (`bench/budget-batch-cost.ts`). Its parameters are
 * `BATCH_STATEMENT`'s `$2` to `$5`. A pair already in the ledger fails it as it fails that one
 * (no `ON CONFLICT`), and `writeBudgetBatchOf` then writes the batch unpaired.
 */
export const PAIRS_STATEMENT = `
WITH paired AS (INSERT INTO budget_ledger SELECT * FROM unnest($1::budget_ledger[])),
window_ends AS (SELECT x->>0 AS id, (x->>1)::bigint AS ends FROM jsonb_array_elements($2::jsonb) AS x)
INSERT INTO budget_counters (counter_id, spent_micros, reserved_micros, window_ends_at)
SELECT p.id, p.spent, 0, window_ends.ends
FROM unnest($3::text[], $4::bigint[]) AS p(id, spent) LEFT JOIN window_ends ON window_ends.id = p.id
ON CONFLICT (counter_id) DO UPDATE SET spent_micros = budget_counters.spent_micros + EXCLUDED.spent_micros`;
