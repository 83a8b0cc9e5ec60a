import { BATCH_STATEMENT_UNFOLDED } from './budget-batch-unfolded.js';

/** How the statement read its lines before they were positional arrays: JSON objects, by name. */
const FLAT_RECORDS_HEAD = `
WITH w AS MATERIALIZED (
  SELECT * FROM json_to_recordset($1::json) AS x(kind text, "callId" text, "amountMicros" bigint,
    "counterIds" text[], "windowEnds" bigint[], "leaseUntil" float8, "runId" text, provider text, model text,
    tenant text, subject text, "apiKeyId" text, "costMicros" bigint, "inputTokens" bigint,
    "outputTokens" bigint, "cacheReadTokens" bigint, "cacheCreationTokens" bigint, "priceVersion" text,
    at float8, swept boolean)),
`;

/**
 * The budget batch statement as it was while journal lines were JSON objects (`JSON.stringify` of
 * each `BudgetWrite`), read with `json_to_recordset`: the unfolded statement with its first part,
 * which reads the lines, put back. Kept for `bench/budget-batch-cost.ts`'s baseline, measured in
 * the same run.
 */
export const BATCH_STATEMENT_FLAT_RECORDS = BATCH_STATEMENT_UNFOLDED.replace(
  /^[\s\S]*?(?=calls AS MATERIALIZED)/,
  FLAT_RECORDS_HEAD,
);
