import type { TurnUsage } from './provider.js';

/**
 * The four kinds of spend a budget can bound: one tenant's, one person's (a principal's
 * subject), one API key's, and the whole gateway's (`agent`).
 */
export type BudgetScopeKind = 'tenant' | 'subject' | 'apiKey' | 'agent';

/** The period a budget's counter covers; `total` never starts again. */
export type BudgetWindow = 'day' | 'week' | 'month' | 'total';

/**
 * Who a model call is charged to: every budget that names one of these ids applies to the call
 * (and the `agent` budget always does). Absent ids match no budget of that kind.
 */
export interface BudgetPayer {
  tenant?: string;
  subject?: string;
  /** The API key's stable id (never the key itself). */
  apiKeyId?: string;
}

/** One model call about to be made, priced at its worst case before it is. */
export interface ModelCallCharge {
  /** Unique per model call (a retry of the same call keeps it); settling is idempotent by it. */
  callId: string;
  /** The run the call belongs to, for the ledger. */
  runId: string;
  /** The provider's name and the model as the request names it, for the price lookup. */
  provider: string;
  model: string;
  payer: BudgetPayer;
  /** Input tokens the request is estimated to carry (all of it priced as uncached input). */
  inputTokens: number;
  /** The call's output cap (`maxTokens`): the worst case is priced with all of it spent. */
  maxOutputTokens: number;
}

/** Why a model call was not admitted; `status` is the HTTP status a request answers with. */
export interface BudgetRefusal {
  code: 'budget_exceeded' | 'budget_store_unavailable' | 'model_unpriced';
  /** 429 for a windowed budget, 402 for a `total` one, 503 when the counter store is down, 400 for an unpriced model. */
  status: 400 | 402 | 429 | 503;
  /** A readable sentence (names `server.prices` for an unpriced model). */
  message: string;
  /** `<kind>:<id>` of the budget that refused, e.g. `tenant:acme`; absent for a store failure or an unpriced model. */
  scope?: string;
  limitUsd?: number;
  spentUsd?: number;
  /** ISO time the refusing budget's window ends; null for `total`. */
  resetsAt?: string | null;
  /** Seconds a client should wait (to the window's end, or a short pause for a store failure). */
  retryAfterSeconds?: number;
}

/** The tightest budget that applied to an admitted call, for the `x-budget-*` response headers. */
export interface BudgetStanding {
  scope: string;
  limitUsd: number;
  remainingUsd: number;
  /** ISO time the window ends; null for `total`. */
  resetsAt: string | null;
}

/**
 * A worst case held on every budget that applies to one call, until it is settled to what the
 * call really cost or released. Both are idempotent; a hold nobody settles expires with its
 * lease and is settled by whichever instance finds it.
 */
export interface BudgetReservation {
  readonly callId: string;
  /** The tightest budget after the hold (absent when no budget applied). */
  readonly standing: BudgetStanding | undefined;
  /** Records the call's real usage in the ledger and replaces the hold with its cost. */
  settle(usage: TurnUsage, signal?: AbortSignal): Promise<void>;
  /** Gives the whole hold back (the call never reached the model). */
  release(signal?: AbortSignal): Promise<void>;
}

/** The outcome of asking to make one model call. */
export type BudgetAdmission =
  { admitted: true; reservation: BudgetReservation } | { admitted: false; refusal: BudgetRefusal };

/**
 * The one admission point for model spend: every surface that calls a model reserves the
 * call's worst case here first, and settles it after.
 */
export interface BudgetGate {
  /** Reserves `charge`'s worst case on every budget that applies, in one atomic step, or refuses. */
  reserve(charge: ModelCallCharge, signal?: AbortSignal): Promise<BudgetAdmission>;
  /** Stops lease sweeping and closes what the gate holds; idempotent. */
  close(): Promise<void>;
}
