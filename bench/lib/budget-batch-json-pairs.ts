/**
 * The budget batch statement as it was before a pair's ledger row came as a `budget_ledger[]`
 * literal (2026-11-29): the pairs came as one JSON array of `[reserveLine, endLine]`, each field
 * taken out with `->>` and cast, and each pair's row returned its cost for the counters. Its
 * parameters: the unpaired lines (JSON), the pairs (JSON), the counters' window ends (JSON).
 * Kept, text for text, as `bench/budget-batch-cost.ts`'s baseline and the text the older forms
 * are rebuilt from (`budget-batch-unfolded.ts`).
 */
export const BATCH_STATEMENT_JSON_PAIRS = `
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
