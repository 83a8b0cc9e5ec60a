import type {
  BudgetCounterStore,
  BudgetOverride,
  CounterReservation,
  CounterReserveOutcome,
  CounterState,
  LedgerRow,
  SettledCost,
} from '../../core/budget-counter-store.js';
import { ChurnMap } from '../../core/churn-map.js';
import { RecentKeys } from '../../core/recent-keys.js';
import { readJournalSegments, sequenceAfter } from './budget-journal.js';
import { openBudgetJournal, type JournalWrite } from './open-budget-journal.js';
import { createBudgetWriteBehind, type BudgetWriteBehind } from './budget-write-behind.js';
import { endOf, holdIdsOf, reserveWriteOf } from './sole-writer-writes.js';
import { writeBudgetBatch } from './sql-budget-batch.js';
import { readSqlLedger, reconcileSqlCounters } from './sql-budget-ledger.js';
import { writeSqlOverride } from './sql-budget-overrides.js';
import type { SqlEngine } from './sql-engine.js';
import {
  createCounterMemory,
  readAllSqlOverrides,
  readSqlReservations,
  type LiveReservation,
} from './sql-budget-live-state.js';
import { rm } from 'node:fs/promises';

/** Options of `createSoleWriterBudgetCounters`. */
export interface SoleWriterBudgetCountersOptions {
  /** The embedded data folder (locked by this process): the journal is kept in it. */
  dir: string;
  /** How long a write waits for others to share its statement (ms; 50 unless given). */
  holdMs?: number | undefined;
  /** Where a batch that failed is reported (it is tried again; its writes stay journaled). */
  onError?: ((error: unknown) => void) | undefined;
  /** The write the journal's lines go out with (`fs.writeSync` unless given: tests count, hold or fail writes). */
  journalWrite?: JournalWrite | undefined;
}

/** How many settled call ids are remembered to refuse a reserve that repeats one. */
const SETTLED_REMEMBERED = 16_384;
const WINDOWS: ReadonlyArray<BudgetOverride['window']> = ['day', 'week', 'month', 'total'];
const noUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

/** A copy of `state` (the caller's to keep). */
const copyOf = (state: CounterState): CounterState => ({
  spentMicros: state.spentMicros,
  reservedMicros: state.reservedMicros,
});

/** Copies of the overrides in `overrides` (keyed scope, newline, window) of `scopes`. */
const overridesIn = (
  overrides: ReadonlyMap<string, BudgetOverride>,
  scopes: readonly string[],
): BudgetOverride[] => {
  const found: BudgetOverride[] = [];
  if (overrides.size === 0) return found;
  for (const scope of scopes) {
    for (const window of WINDOWS) {
      const override = overrides.get(`${scope}\n${window}`);
      if (override !== undefined) found.push(Object.assign({}, override));
    }
  }
  return found;
};

/**
 * Budget counters for a database this process alone writes (the embedded engine, whose data
 * folder it has locked): the counters, live reservations and overrides are decided in memory,
 * where one reserve runs at a time, so a reserve or a settle makes no round trip. Each decision
 * is journaled on disk (`BudgetJournal`: a reserve's outcome carries `written`, the promise of
 * its line's write, and a call reserved reaches the model only after it; a settle rides with
 * the next write) and written to the budget tables in batches, one statement per `holdMs`
 * (`createBudgetWriteBehind`). At the first use the journal left by a process that
 * died is replayed, then the live reservations and overrides are read; a counter is read the
 * first time a call needs it. Ledger reads and reconcile see every write committed first.
 */
export function createSoleWriterBudgetCounters(
  engine: SqlEngine,
  options: SoleWriterBudgetCountersOptions,
): BudgetCounterStore {
  const counters = createCounterMemory(engine);
  const live = new ChurnMap<string, LiveReservation>();
  const settledCalls = new RecentKeys<string>(SETTLED_REMEMBERED);
  const overrides = new Map<string, BudgetOverride>();
  const report = options.onError ?? (() => {});
  let writes: BudgetWriteBehind | undefined;
  let opening: Promise<BudgetWriteBehind> | undefined;

  const open = async (): Promise<BudgetWriteBehind> => {
    const segments = await readJournalSegments(options.dir);
    for (const segment of segments) {
      await writeBudgetBatch(engine, segment.writes);
      await rm(segment.path, { force: true });
    }
    const [held, found] = await Promise.all([readSqlReservations(engine), readAllSqlOverrides(engine)]);
    for (const reservation of held) live.set(reservation.callId, reservation);
    for (const override of found) {
      overrides.set(`${override.scope}\n${override.window}`, override);
    }
    const journal = openBudgetJournal(options.dir, sequenceAfter(segments.map((segment) => segment.path)), {
      write: options.journalWrite,
    });
    writes = createBudgetWriteBehind({
      db: engine,
      journal,
      holdMs: options.holdMs ?? 50,
      retryMs: 1_000,
      onError: report,
    });
    return writes;
  };

  /** The write-behind, once the journal is replayed and the live state read (again after a failure). */
  const ready = (): Promise<BudgetWriteBehind> => {
    if (writes !== undefined) return Promise.resolve(writes);
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };

  const reserveNow = (behind: BudgetWriteBehind, request: CounterReservation): CounterReserveOutcome => {
    if (live.has(request.callId) || settledCalls.has(request.callId)) {
      return { reserved: false, reason: 'duplicate_call' };
    }
    for (const hold of request.holds) {
      const state = counters.stateOf(hold.counterId);
      if (state.spentMicros + state.reservedMicros + request.amountMicros > hold.limitMicros) {
        return { reserved: false, reason: 'over_limit', counterId: hold.counterId, state: copyOf(state) };
      }
    }
    const { callId, amountMicros, leaseUntil, entry } = request;
    const ids = holdIdsOf(request.holds);
    const { counterIds } = ids;
    const journaled = behind.pushReserve(reserveWriteOf(request, ids));
    live.insert(callId, { callId, amountMicros, counterIds, leaseUntil, entry });
    const after = new Map<string, CounterState>();
    for (const id of counterIds) {
      const state = counters.stateOf(id);
      state.reservedMicros += amountMicros;
      after.set(id, copyOf(state));
    }
    // A line that could not be written is undone at once (journaled too: the line goes out
    // again with the next write), and the caller refuses the call as with the store down.
    const written = journaled.catch((error: unknown) => {
      finishNow(behind, callId, undefined);
      throw error;
    });
    return { reserved: true, counters: after, written };
  };

  /** Ends `callId`'s reservation: journaled, then moved off (and with `cost`, onto) its counters. */
  const finishNow = (
    behind: BudgetWriteBehind,
    callId: string,
    cost: SettledCost | undefined,
    kind: LedgerRow['kind'] = 'settled',
  ): boolean => {
    const held = live.take(callId);
    if (held === undefined) return false;
    // The line carries the cost alone: the batch takes the row's context from the reservation.
    try {
      behind.pushEnd(
        cost === undefined ? { kind: 'end', callId } : endOf(callId, cost, kind === 'lease_expired'),
      );
    } catch (error) {
      live.set(callId, held);
      throw error;
    }
    for (const id of held.counterIds) {
      const state = counters.stateOf(id);
      state.reservedMicros -= held.amountMicros;
      if (cost !== undefined) state.spentMicros += cost.costMicros;
    }
    if (cost !== undefined) settledCalls.add(callId);
    return true;
  };

  const overridesOf = (scopes: readonly string[]): BudgetOverride[] => overridesIn(overrides, scopes);

  return {
    // Once open, every decision is made here at once; before, the asynchronous twins open first.
    immediate: {
      reserve(request) {
        if (writes === undefined) return undefined;
        for (const hold of request.holds) if (!counters.has(hold.counterId)) return undefined;
        return reserveNow(writes, request);
      },
      settle: (callId, cost) => (writes === undefined ? undefined : finishNow(writes, callId, cost)),
      release: (callId) => (writes === undefined ? undefined : finishNow(writes, callId, undefined)),
      overrides: (scopes) => (writes === undefined ? undefined : overridesOf(scopes)),
    },
    async reserve(request) {
      const behind = await ready();
      // A counter is read once; after that a reserve makes no round trip at all.
      if (request.holds.some((hold) => !counters.has(hold.counterId))) {
        await counters.load(request.holds.map((hold) => hold.counterId));
      }
      const outcome = reserveNow(behind, request);
      if (outcome.reserved) await outcome.written;
      return outcome;
    },
    async settle(callId, cost) {
      return finishNow(await ready(), callId, cost);
    },
    async release(callId) {
      return finishNow(await ready(), callId, undefined);
    },
    async sweepExpired(now, limit) {
      const behind = await ready();
      const expired: Array<[string, LiveReservation]> = [];
      for (const [callId, held] of live) {
        if (expired.length >= limit) break;
        if (held.leaseUntil < now) expired.push([callId, held]);
      }
      let swept = 0;
      for (const [callId, held] of expired) {
        const cost = {
          costMicros: held.amountMicros,
          usage: noUsage,
          priceVersion: 'lease_expired',
          at: now,
        };
        if (finishNow(behind, callId, cost, 'lease_expired')) swept += 1;
      }
      return swept;
    },
    async read(counterIds) {
      await ready();
      await counters.load(counterIds);
      return new Map(counterIds.map((id) => [id, copyOf(counters.stateOf(id))]));
    },
    async overrides(scopes) {
      await ready();
      return overridesOf(scopes);
    },
    async setOverride(change) {
      await ready();
      await writeSqlOverride(engine, change);
      const key = `${change.scope}\n${change.window}`;
      if (change.limitUsd === null) overrides.delete(key);
      else overrides.set(key, { ...change, limitUsd: change.limitUsd });
    },
    async *ledger(filter) {
      await (await ready()).flushAll();
      yield* readSqlLedger(engine, filter);
    },
    async reconcile({ repair }) {
      const behind = await ready();
      return behind.exclusive(async () => {
        const drifts = await reconcileSqlCounters(engine, repair);
        if (!repair) return drifts;
        for (const drift of drifts) {
          if (!counters.has(drift.counterId)) continue;
          const state = counters.stateOf(drift.counterId);
          // The row was what memory held when the batches stopped; writes decided since land on top.
          state.spentMicros += drift.computed.spentMicros - drift.stored.spentMicros;
          state.reservedMicros += drift.computed.reservedMicros - drift.stored.reservedMicros;
        }
        return drifts;
      });
    },
    async close() {
      const opened = opening === undefined ? undefined : await opening.catch(() => undefined);
      await opened?.close();
    },
  };
}
