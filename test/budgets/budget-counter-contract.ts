import { describe, expect, it } from 'vitest';
import type { BudgetCounterStore } from '../../src/core/budget-counter-store.js';
import type { BudgetAdmission, BudgetGate, ModelCallCharge } from '../../src/core/budget-gate.js';
import { createBudgetGate, type BudgetGateOptions } from '../../src/budgets/create-budget-gate.js';
import { createPriceResolver } from '../../src/budgets/price-resolver.js';
import type { BudgetRule } from '../../src/budgets/budget-rules.js';

/** Two store instances on one shared backend (the same store twice when it cannot be shared). */
export interface OpenedCounters {
  first: BudgetCounterStore;
  second: BudgetCounterStore;
  /** Whether `second` is a different instance (a second gateway's) of shared state. */
  shared: boolean;
  close(): Promise<void>;
}

/** One implementation the contract runs against. */
export interface CounterStoreUnderTest {
  name: string;
  skip: boolean;
  open(): Promise<OpenedCounters>;
}

/** A model priced by `server.prices`: 1 000 output tokens cost exactly $0.05 (50 000 micro-dollars). */
export const prices = createPriceResolver({ metered: { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } });

let calls = 0;
/** A charge whose worst case is $0.05. */
export const chargeOf = (payer: ModelCallCharge['payer'] = { tenant: 'acme' }): ModelCallCharge => ({
  callId: `call_${process.pid}_${(calls += 1)}_${Math.random().toString(16).slice(2)}`,
  runId: 'run_1',
  provider: 'test',
  model: 'metered',
  payer,
  inputTokens: 0,
  maxOutputTokens: 1_000,
});

const usageOf = (outputTokens: number) => ({
  inputTokens: 0,
  outputTokens,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
});

/** A gate on `counters` with a movable clock and no sweep timer. */
export const gateOn = (
  counters: BudgetCounterStore,
  budgets: BudgetRule[],
  clock: { now: number },
  extra: Partial<BudgetGateOptions> = {},
): BudgetGate =>
  createBudgetGate({
    budgets,
    prices,
    counters: () => counters,
    leaseMs: 60_000,
    sweepIntervalMs: 0,
    now: () => clock.now,
    onError: (error) => {
      throw error;
    },
    ...extra,
  });

const admitted = (admission: BudgetAdmission) => {
  if (!admission.admitted) throw new Error(`refused: ${admission.refusal.message}`);
  return admission.reservation;
};

const spentOf = async (store: BudgetCounterStore, counterId: string) =>
  (await store.read([counterId])).get(counterId);

/** The behaviour every budget counter store must have, run against one implementation. */
export function describeCounterStoreContract(underTest: CounterStoreUnderTest): void {
  describe.skipIf(underTest.skip)(`budget counters on ${underTest.name}`, () => {
    const withStores = async (work: (opened: OpenedCounters) => Promise<void>): Promise<void> => {
      const opened = await underTest.open();
      try {
        await work(opened);
      } finally {
        await opened.close();
      }
    };
    const dollar: BudgetRule[] = [{ scope: 'tenant', limitUsd: 1, window: 'day' }];

    it('admits exactly 20 of 50 concurrent $0.05 calls under a $1.00 budget, from two instances', async () => {
      await withStores(async ({ first, second }) => {
        const clock = { now: Date.UTC(2026, 10, 28, 12) };
        const gates = [gateOn(first, dollar, clock), gateOn(second, dollar, clock)] as const;
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, (_, index) => gates[index % 2 === 0 ? 0 : 1].reserve(chargeOf())),
        );
        const refused = outcomes.filter((outcome) => !outcome.admitted);
        expect(outcomes.length - refused.length).toBe(20);
        expect(refused.every((outcome) => !outcome.admitted && outcome.refusal.status === 429)).toBe(true);
        await Promise.all(
          outcomes.map((outcome) =>
            outcome.admitted ? outcome.reservation.settle(usageOf(1_000)) : Promise.resolve(),
          ),
        );
        const drifts = await first.reconcile({ repair: false });
        expect(drifts).toEqual([]);
        const counter = [...(await first.read([`tenant:acme|day|UTC|2026-11-28T00:00:00.000Z`])).values()][0];
        expect(counter).toEqual({ spentMicros: 1_000_000, reservedMicros: 0 });
      });
    });

    it('reports a soft threshold crossed once among concurrent calls on two instances', async () => {
      await withStores(async ({ first, second }) => {
        const clock = { now: Date.UTC(2026, 10, 28, 12) };
        const soft: BudgetRule[] = [{ scope: 'tenant', limitUsd: 1, window: 'day', softAtPercent: 50 }];
        const crossings: unknown[] = [];
        const onSoftThreshold = (crossing: unknown) => crossings.push(crossing);
        const gates = [
          gateOn(first, soft, clock, { onSoftThreshold }),
          gateOn(second, soft, clock, { onSoftThreshold }),
        ] as const;
        await Promise.all(
          Array.from({ length: 20 }, (_, index) => gates[index % 2 === 0 ? 0 : 1].reserve(chargeOf())),
        );
        expect(crossings).toEqual([
          expect.objectContaining({ scope: 'tenant:acme', softAtPercent: 50, usedUsd: 0.5, limitUsd: 1 }),
        ]);
      });
    });

    it('settles a call once however often it is settled, and records one ledger row', async () => {
      await withStores(async ({ first }) => {
        const clock = { now: Date.UTC(2026, 10, 28, 12) };
        const gate = gateOn(first, dollar, clock);
        const reservation = admitted(await gate.reserve(chargeOf()));
        await reservation.settle(usageOf(200));
        await reservation.settle(usageOf(200));
        await reservation.release();
        expect(await spentOf(first, 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z')).toEqual({
          spentMicros: 10_000,
          reservedMicros: 0,
        });
        const rows = [];
        for await (const row of first.ledger({ tenant: 'acme' })) rows.push(row);
        expect(rows).toMatchObject([
          { callId: reservation.callId, costMicros: 10_000, kind: 'settled', priceVersion: 'override' },
        ]);
        expect(rows[0]?.usage.outputTokens).toBe(200);
      });
    });

    it('gives a released hold back whole, with no ledger row', async () => {
      await withStores(async ({ first }) => {
        const clock = { now: Date.UTC(2026, 10, 28, 12) };
        const gate = gateOn(first, [{ scope: 'tenant', limitUsd: 0.05, window: 'day' }], clock);
        await admitted(await gate.reserve(chargeOf())).release();
        await admitted(await gate.reserve(chargeOf())).release();
        expect(await spentOf(first, 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z')).toEqual({
          spentMicros: 0,
          reservedMicros: 0,
        });
        const rows = [];
        for await (const row of first.ledger({})) rows.push(row);
        expect(rows).toEqual([]);
      });
    });

    it('settles an expired reservation to its worst case from another instance, once', async () => {
      await withStores(async ({ first, second }) => {
        const clock = { now: Date.UTC(2026, 10, 28, 12) };
        const reservation = admitted(
          await gateOn(first, dollar, clock, { leaseMs: 1_000 }).reserve(chargeOf()),
        );
        expect(await second.sweepExpired(clock.now + 500, 10)).toBe(0);
        expect(await second.sweepExpired(clock.now + 1_001, 10)).toBe(1);
        await reservation.settle(usageOf(10));
        expect(await spentOf(first, 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z')).toEqual({
          spentMicros: 50_000,
          reservedMicros: 0,
        });
        const rows = [];
        for await (const row of second.ledger({ tenant: 'acme' })) rows.push(row);
        expect(rows).toMatchObject([{ kind: 'lease_expired', costMicros: 50_000 }]);
        expect(await first.reconcile({ repair: false })).toEqual([]);
      });
    });

    it('admits again after local midnight of the 1st in Europe/Berlin, not before', async () => {
      await withStores(async ({ first }) => {
        const monthly: BudgetRule[] = [
          { scope: 'tenant', limitUsd: 0.05, window: 'month', timeZone: 'Europe/Berlin' },
        ];
        const clock = { now: Date.parse('2026-10-31T22:30:00Z') };
        const gate = gateOn(first, monthly, clock);
        await admitted(await gate.reserve(chargeOf())).settle(usageOf(1_000));
        clock.now = Date.parse('2026-10-31T22:59:59Z');
        const refused = await gate.reserve(chargeOf());
        expect(refused).toMatchObject({
          admitted: false,
          refusal: {
            code: 'budget_exceeded',
            status: 429,
            scope: 'tenant:acme',
            resetsAt: '2026-10-31T23:00:00.000Z',
            retryAfterSeconds: 1,
          },
        });
        clock.now = Date.parse('2026-10-31T23:00:00Z');
        expect((await gate.reserve(chargeOf())).admitted).toBe(true);
      });
    });

    it('never admits again once a total budget is spent', async () => {
      await withStores(async ({ first }) => {
        const clock = { now: Date.UTC(2026, 0, 1) };
        const gate = gateOn(first, [{ scope: 'apiKey', limitUsd: 0.05, window: 'total' }], clock);
        await admitted(await gate.reserve(chargeOf({ apiKeyId: 'key_1' }))).settle(usageOf(1_000));
        clock.now = Date.UTC(2030, 0, 1);
        expect(await gate.reserve(chargeOf({ apiKeyId: 'key_1' }))).toMatchObject({
          admitted: false,
          refusal: { status: 402, scope: 'apiKey:key_1', resetsAt: null },
        });
      });
    });

    it('applies a runtime override on the next reserve of a second instance', async () => {
      await withStores(async ({ first, second }) => {
        const clock = { now: Date.UTC(2026, 10, 28, 12) };
        const tight: BudgetRule[] = [{ scope: 'tenant', limitUsd: 0.05, window: 'day' }];
        const gate = gateOn(second, tight, clock);
        await admitted(await gate.reserve(chargeOf())).settle(usageOf(1_000));
        expect((await gate.reserve(chargeOf())).admitted).toBe(false);
        await first.setOverride({ scope: 'tenant:acme', window: 'day', limitUsd: 0.1 });
        expect((await gate.reserve(chargeOf())).admitted).toBe(true);
        await first.setOverride({ scope: 'tenant:acme', window: 'day', limitUsd: null });
        expect((await gate.reserve(chargeOf())).admitted).toBe(false);
      });
    });

    it('decides the same through its immediate path as through its asynchronous one', async () => {
      await withStores(async ({ first }) => {
        const { immediate } = first;
        if (immediate === undefined) return; // a remote store decides nothing in this process
        const counterId = 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z';
        const hold = { counterId, limitMicros: 100_000, windowEndsAt: Date.UTC(2026, 10, 29) };
        const entry = { runId: 'run_1', provider: 'test', model: 'metered', payer: { tenant: 'acme' } };
        const request = (callId: string) => ({
          callId,
          amountMicros: 60_000,
          holds: [hold],
          leaseUntil: 1e13,
          entry,
        });
        const cost = {
          costMicros: 10_000,
          usage: usageOf(200),
          priceVersion: 'override',
          at: Date.UTC(2026, 10, 28, 12),
        };
        // Asynchronously first: an immediate path may have to open or read the counter first.
        expect((await first.reserve(request('call_a'))).reserved).toBe(true);
        expect(immediate.reserve(request('call_b'))).toMatchObject({ reserved: false, reason: 'over_limit' });
        expect(await first.reserve(request('call_a'))).toEqual({ reserved: false, reason: 'duplicate_call' });
        expect(immediate.settle('call_a', cost)).toBe(true);
        expect(await first.settle('call_a', cost)).toBe(false);
        expect(immediate.reserve(request('call_b'))).toMatchObject({ reserved: true });
        expect(immediate.reserve(request('call_a'))).toEqual({ reserved: false, reason: 'duplicate_call' });
        expect(await first.release('call_b')).toBe(true);
        expect(immediate.release('call_b')).toBe(false);
        expect(await spentOf(first, counterId)).toEqual({ spentMicros: 10_000, reservedMicros: 0 });
        await first.setOverride({ scope: 'tenant:acme', window: 'day', limitUsd: 2 });
        expect(immediate.overrides(['tenant:acme'])).toEqual(await first.overrides(['tenant:acme']));
        expect(await first.reconcile({ repair: false })).toEqual([]);
      });
    });
  });
}
