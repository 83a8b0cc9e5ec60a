import type { BudgetPayer } from './budget-gate.js';
import type { TurnUsage } from './provider.js';

/**
 * The counters behind budgets, and the ledger of what was spent. A counter is one budget's spend
 * in one window: its id names the scope, the window and the window's start
 * (`tenant:acme|month|Europe/Berlin|2026-10-31T23:00:00.000Z`), so a new window is a new counter
 * and nothing ever resets one. Amounts are integer micro-dollars (1 USD = 1 000 000).
 *
 * Invariants every implementation keeps (memory, PostgreSQL, Redis):
 * - `reserve` is atomic over all its counters: either every counter takes the hold, or none does
 *   (then the first counter that would pass its limit is named).
 * - A counter's `held` is the sum of its live reservations; its `spent` the sum of the ledger rows
 *   that name it. `reconcile` recomputes both from those and reports any difference.
 * - `settle` and `release` are idempotent by call id, and a call id is settled at most once: a
 *   settle after a release, or a second settle, changes nothing.
 */
export interface BudgetCounterStore {
  /** Holds `amountMicros` on every counter of `request`, or on none. */
  reserve(request: CounterReservation, signal?: AbortSignal): Promise<CounterReserveOutcome>;
  /**
   * Replaces a call's hold with its cost on each counter it holds, and appends its ledger row.
   * Returns false when the call holds nothing any more (settled, released or swept already).
   */
  settle(callId: string, cost: SettledCost, signal?: AbortSignal): Promise<boolean>;
  /** Gives a call's whole hold back, with no ledger row. False when it held nothing. */
  release(callId: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Settles reservations whose lease ended before `now` to the amount they held (their instance
   * is taken as dead; what the call cost is unknown, so its worst case is charged). Returns how
   * many it settled; at most `limit` per call.
   */
  sweepExpired(now: number, limit: number, signal?: AbortSignal): Promise<number>;
  /** The counters' current state, by id (absent ids have spent and held nothing). */
  read(counterIds: readonly string[], signal?: AbortSignal): Promise<Map<string, CounterState>>;
  /** Runtime limit overrides of the given scopes (`tenant:acme`...), all windows. */
  overrides(scopes: readonly string[], signal?: AbortSignal): Promise<BudgetOverride[]>;
  /** Sets (or, with `limitUsd: null`, removes) one scope's override of one window. */
  setOverride(override: BudgetOverrideChange, signal?: AbortSignal): Promise<void>;
  /** Ledger rows, oldest first, matching `filter`. */
  ledger(filter: LedgerFilter, signal?: AbortSignal): AsyncIterable<LedgerRow>;
  /**
   * Recomputes every counter from the ledger and the live reservations, returns the counters
   * that differed (before), and with `repair` writes the recomputed values.
   */
  reconcile(options: { repair: boolean }, signal?: AbortSignal): Promise<CounterDrift[]>;
  /** Releases what the store holds (not the connection it was given). Idempotent. */
  close(): Promise<void>;
  /**
   * The same decisions without a promise, for a store that makes them in this process (the
   * in-process store, the embedded database's sole writer): the gate asks here first and takes
   * the asynchronous methods only when this is absent or answers `undefined`.
   */
  readonly immediate?: ImmediateBudgetCounters | undefined;
}

/**
 * A store's decisions made at once (`BudgetCounterStore.immediate`), each exactly what its
 * asynchronous twin would decide, or `undefined` when it cannot decide without waiting (the store
 * is not open yet, a counter must be read first): then nothing was changed and the caller asks
 * the asynchronous method. A throw means what the twin's rejection would. A reserve decided here
 * may still be on its way to durable storage: its outcome's `written` says when it is there.
 */
export interface ImmediateBudgetCounters {
  reserve(request: CounterReservation): CounterReserveOutcome | undefined;
  settle(callId: string, cost: SettledCost): boolean | undefined;
  release(callId: string): boolean | undefined;
  overrides(scopes: readonly string[]): BudgetOverride[] | undefined;
}

/** One counter a reservation holds on, with the limit it must stay within. */
export interface CounterHold {
  counterId: string;
  limitMicros: number;
  /** When the counter's window ends (ms since the epoch); undefined for `total`. Stores may expire it later. */
  windowEndsAt: number | undefined;
}

/**
 * What one model call's reservation holds, and what its ledger row will say. A store may keep
 * the request's objects (`entry` and its payer) as given, for the reservation's life: a caller
 * builds one request per call and never changes it after.
 */
export interface CounterReservation {
  callId: string;
  amountMicros: number;
  holds: readonly CounterHold[];
  /** Lease end (ms since the epoch): past it, any instance's sweep settles the hold. */
  leaseUntil: number;
  entry: LedgerContext;
}

/** The outcome of `reserve`. */
export type CounterReserveOutcome =
  | {
      reserved: true;
      counters: Map<string, CounterState>;
      /**
       * From `immediate.reserve` of a store that makes its holds durable after deciding them (the
       * embedded database's journal): resolves once the hold is durable, and the call must not
       * start before. A rejection means the store failed: the hold is undone, and the call is
       * refused as with the store down. Absent: the hold is durable already.
       */
      written?: Promise<void> | undefined;
    }
  | { reserved: false; counterId: string; state: CounterState; reason: 'over_limit' }
  | { reserved: false; reason: 'duplicate_call' };

/** One counter's spend (settled) and holds (reserved, not yet settled), in micro-dollars. */
export interface CounterState {
  spentMicros: number;
  reservedMicros: number;
}

/** Who and what a ledger row is about, known at reserve time. */
export interface LedgerContext {
  runId: string;
  provider: string;
  model: string;
  payer: BudgetPayer;
}

/** What a settled call cost, in micro-dollars, and the tokens that made it. */
export interface SettledCost {
  costMicros: number;
  usage: TurnUsage;
  /** `genai-prices@0.1.8`, or `override` for a price from `server.prices`. */
  priceVersion: string;
  /** Settling time (ms since the epoch). */
  at: number;
}

/** One row of the append-only ledger: one model call. */
export interface LedgerRow extends LedgerContext {
  callId: string;
  costMicros: number;
  usage: TurnUsage;
  priceVersion: string;
  /** The counters the row counts in. */
  counterIds: string[];
  /** `settled` (the call's real usage), `lease_expired` (swept: its worst case). */
  kind: 'settled' | 'lease_expired';
  at: number;
}

/** Which ledger rows to read. */
export interface LedgerFilter {
  tenant?: string;
  subject?: string;
  apiKeyId?: string;
  /** Inclusive lower bound on `at` (ms since the epoch). */
  since?: number;
  /** Exclusive upper bound on `at`. */
  until?: number;
}

/** A runtime override of one scope's limit for one window. */
export interface BudgetOverride {
  /** `<kind>:<id>`, e.g. `tenant:acme`. */
  scope: string;
  window: 'day' | 'week' | 'month' | 'total';
  limitUsd: number;
  timeZone?: string | undefined;
  softAtPercent?: number | undefined;
}

/** A change to an override: `limitUsd: null` removes it. */
export type BudgetOverrideChange = Omit<BudgetOverride, 'limitUsd'> & { limitUsd: number | null };

/** A counter whose stored state differed from the ledger and reservations. */
export interface CounterDrift {
  counterId: string;
  stored: CounterState;
  computed: CounterState;
}
