import { describe, expect, it } from 'vitest';
import type { BudgetCounterStore } from '../core/budget-counter-store.js';
import { createMemoryBudgetCounters } from '../stores/memory/memory-budget-counters.js';
import { createBudgetGate } from './create-budget-gate.js';
import { createPriceResolver } from './price-resolver.js';

const COUNTER = 'agent:all|day|UTC|2026-11-28T00:00:00.000Z';

/**
 * Memory counters whose reserve answers only when `answer()` is called: a store whose command
 * was sent and is carried out whatever the caller does meanwhile (a Redis script in flight).
 */
function slowCounters(): {
  counters: BudgetCounterStore;
  asked: Promise<void>;
  answer: () => void;
  finished: Promise<void>;
} {
  const inner = createMemoryBudgetCounters();
  let answer = (): void => {};
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  let ask = (): void => {};
  const asked = new Promise<void>((resolve) => {
    ask = resolve;
  });
  // A remote store decides nothing in this process: no `immediate` path past the slow reserve.
  const counters: BudgetCounterStore = Object.assign(Object.create(inner) as BudgetCounterStore, {
    immediate: undefined,
  });
  let done = (): void => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  counters.reserve = async (request) => {
    ask();
    await answered;
    const outcome = await inner.reserve(request);
    done();
    return outcome;
  };
  return { counters, asked, answer, finished };
}

const gateOn = (counters: BudgetCounterStore, failOpen = false) =>
  createBudgetGate({
    budgets: [{ scope: 'agent', limitUsd: 1, window: 'day' }],
    prices: createPriceResolver({ metered: { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } }),
    counters: () => counters,
    leaseMs: 60_000,
    sweepIntervalMs: 0,
    timeoutMs: 60_000,
    failOpen,
    now: () => Date.UTC(2026, 10, 28, 12),
    onError: () => undefined,
  });

const charge = (callId: string) => ({
  callId,
  runId: 'run_1',
  provider: 'test',
  model: 'metered',
  payer: {},
  inputTokens: 0,
  maxOutputTokens: 1_000,
});

/** What the store holds on the counter once the gate had every chance to give a hold back. */
async function heldOn(counters: BudgetCounterStore): Promise<number> {
  for (let round = 0; round < 10; round += 1) await new Promise((resolve) => setImmediate(resolve));
  return (await counters.read([COUNTER])).get(COUNTER)?.reservedMicros ?? 0;
}

describe('a reserve its caller stopped waiting for', () => {
  it('gives back the hold the store takes after the caller aborted (the call is never made)', async () => {
    const { counters, asked, answer, finished } = slowCounters();
    const stopped = new AbortController();
    const reserving = gateOn(counters).reserve(charge('call_aborted'), stopped.signal);
    await asked;
    stopped.abort(new Error('cancelled: the client disconnected'));
    await expect(reserving).rejects.toThrow('client disconnected');
    answer();
    await finished;
    expect(await heldOn(counters)).toBe(0);
  });
});
