import { describe, expect, it } from 'vitest';
import type { BudgetCounterStore, CounterReservation, LedgerRow } from '../../core/budget-counter-store.js';
import { createMemoryBudgetCounters } from './memory-budget-counters.js';

const COUNTER = 'tenant:acme|month|UTC|2026-11-01T00:00:00.000Z';
const noUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

const reservation = (callId: string): CounterReservation => ({
  callId,
  amountMicros: 100,
  holds: [{ counterId: COUNTER, limitMicros: Number.MAX_SAFE_INTEGER, windowEndsAt: undefined }],
  leaseUntil: Date.now() + 60_000,
  entry: {
    runId: `run-${callId}`,
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    payer: { tenant: 'acme' },
  },
});

/** Reserves and settles `count` calls named `prefix0…`, each at `costMicros`. */
async function settleCalls(store: BudgetCounterStore, prefix: string, count: number, costMicros: number) {
  for (let index = 0; index < count; index += 1) {
    const callId = `${prefix}${index}`;
    expect((await store.reserve(reservation(callId))).reserved).toBe(true);
    expect(
      await store.settle(callId, { costMicros, usage: noUsage, priceVersion: 'test', at: Date.now() }),
    ).toBe(true);
  }
}

async function ledgerOf(store: BudgetCounterStore): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const row of store.ledger({ tenant: 'acme' })) rows.push(row);
  return rows;
}

describe('memory budget counters: what grows with every call is bounded', () => {
  it('keeps the newest ledger rows past maxLedgerRows, and the counter and reconcile still count every call', async () => {
    const store = createMemoryBudgetCounters({ maxLedgerRows: 100 });
    await settleCalls(store, 'call-', 1_000, 7);

    const rows = await ledgerOf(store);
    expect(rows.length).toBeGreaterThanOrEqual(100);
    expect(rows.length).toBeLessThanOrEqual(110);
    expect(rows.at(-1)?.callId).toBe('call-999');
    expect(rows[0]?.callId).toBe(`call-${1_000 - rows.length}`);

    const counter = (await store.read([COUNTER])).get(COUNTER);
    expect(counter).toEqual({ spentMicros: 7_000, reservedMicros: 0 });
    expect(await store.reconcile({ repair: false })).toEqual([]);
    await store.close();
  });

  it('a repair after rows were let go keeps their spend in the counter', async () => {
    const store = createMemoryBudgetCounters({ maxLedgerRows: 10 });
    await settleCalls(store, 'call-', 50, 3);
    expect(await store.reconcile({ repair: true })).toEqual([]);
    expect((await store.read([COUNTER])).get(COUNTER)).toEqual({ spentMicros: 150, reservedMicros: 0 });
    await store.close();
  });

  it('refuses a repeated call id while it is remembered, and remembers only the newest ones', async () => {
    const store = createMemoryBudgetCounters({ settledCallsRemembered: 4 });
    await settleCalls(store, 'call-', 6, 1);
    expect(await store.reserve(reservation('call-5'))).toEqual({ reserved: false, reason: 'duplicate_call' });
    expect(await store.reserve(reservation('call-2'))).toEqual({ reserved: false, reason: 'duplicate_call' });
    // call-0 and call-1 are the oldest two of six, past the four remembered.
    expect((await store.reserve(reservation('call-0'))).reserved).toBe(true);
    await store.close();
  });

  it('refuses a ledger bound that is not a whole number of at least 1', () => {
    expect(() => createMemoryBudgetCounters({ maxLedgerRows: 0 })).toThrow(/maxLedgerRows/);
    expect(() => createMemoryBudgetCounters({ maxLedgerRows: 1.5 })).toThrow(/maxLedgerRows/);
  });
});
