import type {
  BudgetCounterStore,
  BudgetOverride,
  CounterDrift,
  CounterReservation,
  CounterReserveOutcome,
  CounterState,
  LedgerFilter,
  LedgerRow,
  SettledCost,
} from '../../core/budget-counter-store.js';
import { ChurnMap } from '../../core/churn-map.js';
import { RecentKeys } from '../../core/recent-keys.js';

/** Options of `createMemoryBudgetCounters`. */
export interface MemoryBudgetCountersOptions {
  /**
   * How many ledger rows are kept, newest first (100,000 unless given): past it the oldest go,
   * their cost still counted in their counters and in reconcile (the counters stay exact; the
   * ledger's reads, `GET /api/usage` and `agent-gateway usage`, see the rows kept).
   */
  maxLedgerRows?: number | undefined;
  /** How many settled call ids are remembered to refuse a reserve that repeats one (16,384 unless given). */
  settledCallsRemembered?: number | undefined;
}

const DEFAULT_MAX_LEDGER_ROWS = 100_000;
const DEFAULT_SETTLED_REMEMBERED = 16_384;

/** `work` run now, its result or its throw as a promise: the store's methods stay atomic. */
const settled = <Value>(work: () => Value): Promise<Value> =>
  new Promise((resolve) => {
    resolve(work());
  });

/** A live reservation, as the memory store keeps it. */
interface OpenReservation {
  request: CounterReservation;
}

const matches = (row: LedgerRow, filter: LedgerFilter): boolean =>
  (filter.tenant === undefined || row.payer.tenant === filter.tenant) &&
  (filter.subject === undefined || row.payer.subject === filter.subject) &&
  (filter.apiKeyId === undefined || row.payer.apiKeyId === filter.apiKeyId) &&
  (filter.since === undefined || row.at >= filter.since) &&
  (filter.until === undefined || row.at < filter.until);

const overrideKey = (scope: string, window: string): string => `${scope}\n${window}`;

/**
 * Budget counters of one process (`--no-database`, a single instance): the same contract as the
 * shared stores, atomic because JavaScript runs one reserve at a time. Counters of windows that
 * ended stay (as rows do in a database) until the process ends; a gateway has few scopes. What
 * grows with every call is bounded: the ledger keeps its newest `maxLedgerRows` rows (the cost
 * of those it let go stays in their counters, and in what reconcile computes), and the settled
 * call ids its newest `settledCallsRemembered`.
 */
export function createMemoryBudgetCounters(options: MemoryBudgetCountersOptions = {}): BudgetCounterStore {
  const maxLedgerRows = options.maxLedgerRows ?? DEFAULT_MAX_LEDGER_ROWS;
  if (!Number.isSafeInteger(maxLedgerRows) || maxLedgerRows < 1)
    throw new RangeError('createMemoryBudgetCounters: maxLedgerRows must be a whole number of at least 1');
  // eslint-disable-next-line gateway/churn-collections -- one entry per budget and window, kept as a database keeps its rows
  const counters = new Map<string, CounterState>();
  const reservations = new ChurnMap<string, OpenReservation>();
  // eslint-disable-next-line gateway/churn-collections -- one entry per overridden scope and window
  const overrides = new Map<string, BudgetOverride>();
  let ledgerRows: LedgerRow[] = [];
  /** Spend of the ledger rows let go, by counter: reconcile's sum starts from it. */
  const spentBeforeLedger = new Map<string, number>();
  const settledCalls = new RecentKeys<string>(options.settledCallsRemembered ?? DEFAULT_SETTLED_REMEMBERED);

  /**
   * Lets the oldest rows go once the ledger holds a tenth more than `maxLedgerRows` (a tenth at a
   * time: one copy of the array per that many calls, not one per call).
   */
  const trimLedger = (): void => {
    if (ledgerRows.length <= maxLedgerRows + Math.floor(maxLedgerRows / 10)) return;
    const dropped = ledgerRows.length - maxLedgerRows;
    for (let index = 0; index < dropped; index += 1) {
      const row = ledgerRows[index] as LedgerRow;
      for (const id of row.counterIds)
        spentBeforeLedger.set(id, (spentBeforeLedger.get(id) ?? 0) + row.costMicros);
    }
    ledgerRows = ledgerRows.slice(dropped);
  };

  const counterOf = (counterId: string): CounterState => {
    let state = counters.get(counterId);
    if (state === undefined) {
      state = { spentMicros: 0, reservedMicros: 0 };
      counters.set(counterId, state);
    }
    return state;
  };

  const finish = (
    callId: string,
    row: Omit<LedgerRow, 'counterIds' | keyof CounterReservation['entry'] | 'callId'> | undefined,
  ): boolean => {
    const held = reservations.get(callId);
    if (held === undefined) return false;
    reservations.delete(callId);
    const { request } = held;
    for (const hold of request.holds) {
      const state = counterOf(hold.counterId);
      state.reservedMicros -= request.amountMicros;
      if (row !== undefined) state.spentMicros += row.costMicros;
    }
    if (row !== undefined) {
      settledCalls.add(callId);
      ledgerRows.push({
        ...request.entry,
        ...row,
        callId,
        counterIds: request.holds.map((hold) => hold.counterId),
      });
      trimLedger();
    }
    return true;
  };

  const reserve = (request: CounterReservation): CounterReserveOutcome => {
    if (reservations.has(request.callId) || settledCalls.has(request.callId)) {
      return { reserved: false, reason: 'duplicate_call' };
    }
    for (const hold of request.holds) {
      const state = counters.get(hold.counterId) ?? { spentMicros: 0, reservedMicros: 0 };
      if (state.spentMicros + state.reservedMicros + request.amountMicros > hold.limitMicros) {
        return { reserved: false, reason: 'over_limit', counterId: hold.counterId, state: { ...state } };
      }
    }
    const after = new Map<string, CounterState>();
    for (const hold of request.holds) {
      const state = counterOf(hold.counterId);
      state.reservedMicros += request.amountMicros;
      after.set(hold.counterId, { ...state });
    }
    reservations.set(request.callId, { request });
    return { reserved: true, counters: after };
  };

  const sweepExpired = (now: number, limit: number): number => {
    let swept = 0;
    for (const [callId, { request }] of reservations) {
      if (swept >= limit) break;
      if (request.leaseUntil >= now) continue;
      finish(callId, {
        costMicros: request.amountMicros,
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
        priceVersion: 'lease_expired',
        kind: 'lease_expired',
        at: now,
      });
      swept += 1;
    }
    return swept;
  };

  const reconcile = (repair: boolean): CounterDrift[] => {
    const computed = new Map<string, CounterState>();
    const of = (id: string): CounterState => {
      let state = computed.get(id);
      if (state === undefined) computed.set(id, (state = { spentMicros: 0, reservedMicros: 0 }));
      return state;
    };
    for (const [id, spent] of spentBeforeLedger) of(id).spentMicros += spent;
    for (const row of ledgerRows) for (const id of row.counterIds) of(id).spentMicros += row.costMicros;
    for (const { request } of reservations.values()) {
      for (const hold of request.holds) of(hold.counterId).reservedMicros += request.amountMicros;
    }
    const drifts: CounterDrift[] = [];
    for (const id of new Set([...counters.keys(), ...computed.keys()])) {
      const stored = counters.get(id) ?? { spentMicros: 0, reservedMicros: 0 };
      const expected = computed.get(id) ?? { spentMicros: 0, reservedMicros: 0 };
      if (stored.spentMicros === expected.spentMicros && stored.reservedMicros === expected.reservedMicros)
        continue;
      drifts.push({ counterId: id, stored: { ...stored }, computed: { ...expected } });
      if (repair) counters.set(id, { ...expected });
    }
    return drifts;
  };

  const settle = (callId: string, cost: SettledCost): boolean =>
    finish(callId, {
      costMicros: cost.costMicros,
      usage: { ...cost.usage },
      priceVersion: cost.priceVersion,
      kind: 'settled',
      at: cost.at,
    });
  const overridesOf = (scopes: readonly string[]): BudgetOverride[] =>
    [...overrides.values()]
      .filter((override) => scopes.includes(override.scope))
      .map((override) => ({ ...override }));

  return {
    immediate: {
      reserve,
      settle,
      release: (callId) => finish(callId, undefined),
      overrides: overridesOf,
    },
    reserve: (request) => settled(() => reserve(request)),
    settle: (callId, cost) => settled(() => settle(callId, cost)),
    release: (callId) => settled(() => finish(callId, undefined)),
    sweepExpired: (now, limit) => settled(() => sweepExpired(now, limit)),
    read: (counterIds) =>
      settled(() => {
        const states = new Map<string, CounterState>();
        for (const id of counterIds) {
          const state = counters.get(id);
          if (state !== undefined) states.set(id, { ...state });
        }
        return states;
      }),
    overrides: (scopes) => settled(() => overridesOf(scopes)),
    setOverride: (change) =>
      settled(() => {
        const key = overrideKey(change.scope, change.window);
        if (change.limitUsd === null) overrides.delete(key);
        else overrides.set(key, { ...change, limitUsd: change.limitUsd });
      }),
    ledger: (filter) =>
      toAsync(
        ledgerRows.filter((row) => matches(row, filter)).map((row) => ({ ...row, payer: { ...row.payer } })),
      ),
    reconcile: ({ repair }) => settled(() => reconcile(repair)),
    close: () => Promise.resolve(),
  };
}

/** The rows as the async iterable the interface returns (a copy taken when asked). */
function toAsync<Row>(rows: readonly Row[]): AsyncIterable<Row> {
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = rows[Symbol.iterator]();
      return { next: () => Promise.resolve(iterator.next()) };
    },
  };
}
