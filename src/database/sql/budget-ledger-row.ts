import { ESCAPED, elementOf, isPlain } from './array-literal.js';
import type { EndWrite, ReserveWrite } from './budget-lines.js';

/**
 * `value` as a field of a row literal that is itself quoted as an array's element, in one step:
 * empty for a null, as it is when plain, else quoted for the row (`"…"`, its quotes and
 * backslashes escaped) and that quoted again for the array (each quote and backslash of the
 * row's text escaped once more). So a quote in the value becomes three backslashes and the
 * quote, and the row's own quotes `\"`: no pass over the whole row afterwards.
 */
function fieldOf(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return isPlain(value) ? value : `\\"${value.replace(ESCAPED, '\\\\\\$&')}\\"`;
}

/**
 * The field of each frozen counter ids array seen (the sole writer gives every call of a payer in
 * a window the same one: `holdIdsOf`), made once; an array that is not frozen may still change.
 */
const counterIdsFields = new WeakMap<readonly string[], string>();

/** `counterIds` as the ledger row's `counter_ids` field: an array literal, quoted as a field. */
function counterIdsFieldOf(counterIds: readonly string[]): string {
  const known = counterIdsFields.get(counterIds);
  if (known !== undefined) return known;
  const field = fieldOf(`{${counterIds.map(elementOf).join(',')}}`);
  if (Object.isFrozen(counterIds)) counterIdsFields.set(counterIds, field);
  return field;
}

/**
 * A call reserved and settled within one batch (a pair) as its `budget_ledger` row: one element
 * of a `budget_ledger[]` literal, which the batch statement inserts with
 * `SELECT * FROM unnest($2::budget_ledger[])`. The server reads each field with its column's own
 * input function, as `COPY` does, instead of taking it out of JSON (the pairs' rows cost the
 * server about a third less this way; bench/budget-batch-cost.ts).
 *
 * The fields follow the table's columns in their order (migration 25): `call_id, run_id,
 * provider, model, tenant, subject, api_key_id, input_tokens, output_tokens, cache_read_tokens,
 * cache_write_tokens, cost_micros, price_version, counter_ids, kind, at`. A migration that adds a
 * column to the ledger changes this text too (test/budgets/budget-ledger-row.test.ts fails until
 * it does).
 */
export function ledgerRowElementOf(reserve: ReserveWrite, end: EndWrite): string {
  const counterIds = counterIdsFieldOf(reserve.counterIds);
  return (
    `"(${fieldOf(reserve.callId)},${fieldOf(reserve.runId)},${fieldOf(reserve.provider)},` +
    `${fieldOf(reserve.model)},${fieldOf(reserve.tenant)},${fieldOf(reserve.subject)},` +
    `${fieldOf(reserve.apiKeyId)},${fieldOf(end.inputTokens)},${fieldOf(end.outputTokens)},` +
    `${fieldOf(end.cacheReadTokens)},${fieldOf(end.cacheCreationTokens)},${fieldOf(end.costMicros)},` +
    `${fieldOf(end.priceVersion)},${counterIds},${end.swept === true ? 'lease_expired' : 'settled'},` +
    `${end.at === undefined ? '' : Math.floor(end.at)})"`
  );
}
