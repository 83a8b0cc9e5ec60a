import type { BudgetPayer, BudgetRefusal, BudgetStanding } from '../../core/budget-gate.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';

/**
 * Who pays for a session's model calls: its principal's tenant and subject, else the end user a
 * server-side key asserted (the subject), and the API key's hash when no principal signed in
 * (a principal's session has no key of its own).
 */
export function payerOfSession(
  session: Pick<SessionRecord, 'apiKeyHash' | 'user' | 'principal'>,
): BudgetPayer {
  const { principal } = session;
  if (principal !== undefined) {
    return principal.tenant === undefined
      ? { subject: principal.subject }
      : { tenant: principal.tenant, subject: principal.subject };
  }
  return session.user === undefined
    ? { apiKeyId: session.apiKeyHash }
    : { subject: session.user, apiKeyId: session.apiKeyHash };
}

/**
 * The response of a request refused by a budget before any model call: `status` as the refusal
 * says (429 for a windowed budget, 402 for a `total` one, 503 when the counter store is down, 400
 * for a model without a price) with body `{ code, error, scope, limit_usd, spent_usd, resets_at }`
 * (the budget's fields only when a budget refused) and `Retry-After` in seconds when there is one.
 */
export function budgetRefusalError(refusal: BudgetRefusal): HttpError {
  const body: Record<string, unknown> = { code: refusal.code, error: refusal.message };
  if (refusal.scope !== undefined) body['scope'] = refusal.scope;
  if (refusal.limitUsd !== undefined) body['limit_usd'] = refusal.limitUsd;
  if (refusal.spentUsd !== undefined) body['spent_usd'] = refusal.spentUsd;
  if (refusal.resetsAt !== undefined) body['resets_at'] = refusal.resetsAt;
  const headers: Record<string, string> = {};
  if (refusal.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(refusal.retryAfterSeconds)));
  }
  return new HttpError(refusal.status, body, { headers });
}

/** Dollars as the headers write them: at most six decimals (micro-dollars), no float noise. */
const dollars = (usd: number): string => String(Math.round(usd * 1_000_000) / 1_000_000);

/**
 * The `x-budget-*` headers of a budgeted response, from the tightest budget that applied to its
 * first model call: its limit, what remains of it after that call's hold, and when its window
 * ends (`never` for a `total` budget).
 */
export function budgetHeadersOf(standing: BudgetStanding): Record<string, string> {
  return {
    'x-budget-limit-usd': dollars(standing.limitUsd),
    'x-budget-remaining-usd': dollars(Math.max(0, standing.remainingUsd)),
    'x-budget-reset': standing.resetsAt ?? 'never',
  };
}

/** Sets the `x-budget-*` headers on `headers` when the run had a budget standing. */
export function setBudgetHeaders(headers: Headers, standing: BudgetStanding | undefined): void {
  if (standing === undefined) return;
  for (const [name, value] of Object.entries(budgetHeadersOf(standing))) headers.set(name, value);
}
