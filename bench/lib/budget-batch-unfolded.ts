import { BATCH_STATEMENT_JSON_PAIRS } from './budget-batch-json-pairs.js';

/** `text` with `from` replaced by `to`; throws when `from` is not in it (the statement changed). */
const replaced = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`the batch statement no longer holds: ${from.slice(0, 60)}`);
  return text.replace(from, to);
};

const PAIRS = `pairs AS MATERIALIZED (
  SELECT p->0 AS r, p->1 AS e, ARRAY(SELECT jsonb_array_elements_text(p->0->3)) AS counter_ids
  FROM jsonb_array_elements($2::jsonb) AS y(p)),
`;
const COUNTER_IDS = `    ARRAY(SELECT jsonb_array_elements_text(r->3)) AS "counterIds",
`;
const WINDOW_ENDS_COLUMN = `    ARRAY(SELECT e::bigint FROM jsonb_array_elements_text(r->4) AS e) AS "windowEnds",
`;
const PAIRED = `paired AS (
  INSERT INTO budget_ledger (call_id, run_id, provider, model, tenant, subject, api_key_id,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_micros, price_version,
    counter_ids, kind, at)
  SELECT r->>1, r->>6, r->>7, r->>8, r->>9, r->>10, r->>11, (e->>3)::bigint, (e->>4)::bigint, (e->>5)::bigint,
    (e->>6)::bigint, (e->>2)::bigint, e->>7, counter_ids,
    CASE WHEN (e->>9)::boolean THEN 'lease_expired' ELSE 'settled' END, floor((e->>8)::float8)::bigint
  FROM pairs
  RETURNING cost_micros, counter_ids),
`;
const PAIRED_MOVES = `
  UNION ALL SELECT id, 0::bigint, cost_micros FROM paired, unnest(counter_ids) AS id),`;
const WINDOW_ENDS_PARAMETER = `window_ends AS (SELECT x->>0 AS id, (x->>1)::bigint AS ends FROM jsonb_array_elements($3::jsonb) AS x),`;
const WINDOW_ENDS_SORTED = `window_ends AS (
  SELECT DISTINCT ON (c.id) c.id, c.ends FROM w, unnest(w."counterIds", w."windowEnds") AS c(id, ends)
  WHERE w.kind = 'reserve'),`;

/**
 * The budget batch statement as it was before a batch's reservations settled within it went
 * into the ledger as pairs (`BudgetBatch`) and the counters' window ends came as a parameter:
 * every line went through the one path that groups a call's lines, and each counter's window
 * end was sorted out of the reservations' lines. Made from the JSON-pairs statement
 * (`budget-batch-json-pairs.ts`) by putting those parts back, for `bench/budget-batch-cost.ts`'s
 * baseline, measured in the same run; its one parameter is the batch's lines as one JSON array.
 */
export const BATCH_STATEMENT_UNFOLDED = [
  [PAIRS, ''],
  [COUNTER_IDS, COUNTER_IDS + WINDOW_ENDS_COLUMN],
  [
    `SELECT 'end', r->>1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (r->>2)`,
    `SELECT 'end', r->>1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (r->>2)`,
  ],
  [PAIRED, ''],
  [PAIRED_MOVES, '),'],
  [WINDOW_ENDS_PARAMETER, WINDOW_ENDS_SORTED],
].reduce((text, [from, to]) => replaced(text, from as string, to as string), BATCH_STATEMENT_JSON_PAIRS);
