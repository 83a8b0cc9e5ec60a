import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../core/errors.js';
import { createMemoryBudgetCounters } from '../stores/memory/memory-budget-counters.js';
import { startLeaseSweep } from './lease-sweep.js';

const reservation = (callId: string, leaseUntil: number) => ({
  callId,
  amountMicros: 50_000,
  holds: [{ counterId: 'tenant:acme|total', limitMicros: 1_000_000, windowEndsAt: undefined }],
  leaseUntil,
  entry: { runId: 'run', provider: 'test', model: 'metered', payer: { tenant: 'acme' } },
});

describe('startLeaseSweep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles the expired holds on its timer, in batches, and stops on close', async () => {
    vi.useFakeTimers();
    const store = createMemoryBudgetCounters();
    for (const id of ['a', 'b', 'c']) await store.reserve(reservation(id, 1_000));
    await store.reserve(reservation('live', 10_000));
    const errors: unknown[] = [];
    const sweep = startLeaseSweep({
      counters: () => store,
      intervalMs: 100,
      now: () => 5_000,
      batchSize: 2,
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(await store.read(['tenant:acme|total'])).toEqual(
      new Map([['tenant:acme|total', { spentMicros: 150_000, reservedMicros: 50_000 }]]),
    );
    await sweep.close();
    await sweep.close();
    expect(errors).toEqual([]);
  });

  it('does not report a database that is not open yet', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const sweep = startLeaseSweep({
      counters: () => {
        throw new GatewayError('store_unavailable', 'not open');
      },
      intervalMs: 100,
      now: () => 0,
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(300);
    await sweep.close();
    expect(errors).toEqual([]);
  });
});
