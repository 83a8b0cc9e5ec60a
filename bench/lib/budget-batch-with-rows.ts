/**
 * The budget batch statement as it was before a settle's line carried only its cost: each end
 * carried its whole ledger row (run, provider, model, payer, counters), which the statement read
 * from the line. Kept for `bench/budget-batch-cost.ts`'s baseline, measured in the same run.
 */
export const BATCH_STATEMENT_WITH_ROWS = `
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
  WHERE call_id IN (SELECT call_id FROM ends WHERE call_id NOT IN (SELECT call_id FROM reserves))
  RETURNING amount_micros, counter_ids),
booked AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT b->>'callId', b->>'runId', b->>'provider', b->>'model', b->'payer'->>'tenant',
    b->'payer'->>'subject', b->'payer'->>'apiKeyId', (b->'usage'->>'inputTokens')::bigint,
    (b->'usage'->>'outputTokens')::bigint, (b->'usage'->>'cacheReadTokens')::bigint,
    (b->'usage'->>'cacheCreationTokens')::bigint, (b->>'costMicros')::bigint, b->>'priceVersion',
    ARRAY(SELECT jsonb_array_elements_text(b->'counterIds')), b->>'kind', floor((b->>'at')::float8)::bigint
  FROM (SELECT v->'row' AS b FROM ends WHERE jsonb_typeof(v->'row') = 'object') AS settled
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
