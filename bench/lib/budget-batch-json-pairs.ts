import { BATCH_STATEMENT } from '../../src/database/sql/budget-batch-statement.js';

/** `text` with `from` replaced by `to`; throws when `from` is not in it (the statement changed). */
export const replaced = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`the batch statement no longer holds: ${from.slice(0, 60)}`);
  return text.replace(from, to);
};

/** The pairs as the JSON-pairs statement read them: `[reserveLine, endLine]` arrays. */
export const PAIRS = `pairs AS MATERIALIZED (
  SELECT p->0 AS r, p->1 AS e, ARRAY(SELECT jsonb_array_elements_text(p->0->3)) AS counter_ids
  FROM jsonb_array_elements($2::jsonb) AS y(p)),
`;
/** Their ledger rows, each read out of its pair's two lines, each row's cost returned. */
export const PAIRED = `paired AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT r->>1, r->>6, r->>7, r->>8, r->>9, r->>10, r->>11, (e->>3)::bigint, (e->>4)::bigint, (e->>5)::bigint,
    (e->>6)::bigint, (e->>2)::bigint, e->>7, counter_ids,
    CASE WHEN (e->>9)::boolean THEN 'lease_expired' ELSE 'settled' END, floor((e->>8)::float8)::bigint
  FROM pairs
  RETURNING cost_micros, counter_ids),
`;
/** The pairs' rows' costs moving their counters. */
export const PAIRED_MOVES = `
  UNION ALL SELECT id, 0::bigint, cost_micros FROM paired, unnest(counter_ids) AS id),`;

const ROW_PAIRS = `paired AS (INSERT INTO budget_ledger SELECT * FROM unnest($2::budget_ledger[])),
`;
const SUMMED_MOVES = `
  UNION ALL SELECT id, 0::bigint, spent FROM unnest($4::text[], $5::bigint[]) AS p(id, spent)),`;
const FIRST_CTE = `WITH lines AS MATERIALIZED (SELECT r, r->>0 AS tag FROM jsonb_array_elements($1::jsonb) AS x(r)),
`;

/**
 * The budget batch statement as it was before a pair's ledger row came as a `budget_ledger[]`
 * literal (2026-11-29): the pairs came as one JSON array of `[reserveLine, endLine]`, each field
 * taken out with `->>` and cast, and each pair's row returned its cost for the counters. Its
 * parameters: the unpaired lines (JSON), the pairs (JSON), the counters' window ends (JSON).
 * Made from the shipped statement by putting those parts back, as `bench/budget-batch-cost.ts`'s
 * baseline and the text the older forms are rebuilt from (`budget-batch-unfolded.ts`).
 */
export const BATCH_STATEMENT_JSON_PAIRS = [
  [FIRST_CTE, FIRST_CTE + PAIRS],
  [ROW_PAIRS, PAIRED],
  [SUMMED_MOVES, PAIRED_MOVES],
].reduce((text, [from, to]) => replaced(text, from as string, to as string), BATCH_STATEMENT);
