import {
  BATCH_STATEMENT_JSON_PAIRS,
  PAIRED,
  PAIRED_MOVES,
  PAIRS,
  replaced,
} from './budget-batch-json-pairs.js';

const COUNTER_IDS = `    ARRAY(SELECT jsonb_array_elements_text(r->3)) AS "counterIds",
`;
const WINDOW_ENDS_COLUMN = `    ARRAY(SELECT e::bigint FROM jsonb_array_elements_text(r->4) AS e) AS "windowEnds",
`;
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
