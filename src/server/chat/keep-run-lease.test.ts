import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LeaseRenewal, RunLeaseStore } from '../../core/run-takeover.js';
import { keepRunLease } from './keep-run-lease.js';

const record = { runId: 'run_a', sessionId: 'sess_a', request: {} };

/** A lease store whose renewals answer `answer()` (a never-settling promise models a dead link). */
const leaseStore = (answer: () => Promise<LeaseRenewal>): RunLeaseStore & { renewals: number } => {
  const store = {
    renewals: 0,
    begin: () => Promise.resolve(),
    renew: () => {
      store.renewals += 1;
      return answer();
    },
    restore: () => Promise.resolve(true),
    saveCheckpoint: () => Promise.resolve(true),
    relinquish: () => Promise.resolve(),
    end: () => Promise.resolve(),
    holds: () => Promise.resolve(true),
    beat: () => Promise.resolve(false),
    claimOrphaned: () => Promise.resolve([]),
    leave: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return store;
};

/** Lets `ms` of (fake) time pass, then says whether the keeper reported the run lost. */
const lostWithin = async (keeper: { stop(): void }, lost: () => boolean, ms: number): Promise<boolean> => {
  await vi.advanceTimersByTimeAsync(ms);
  keeper.stop();
  return lost();
};

describe('keepRunLease', () => {
  // The keeper's clock is `performance.now()` and its ticks an interval: both faked, so the
  // tests let lease periods pass without waiting for them.
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps renewing while renewals get through', async () => {
    const leases = leaseStore(() => Promise.resolve('renewed'));
    let lost = false;
    const keeper = keepRunLease({
      leases,
      record,
      owner: 'A',
      epoch: 1,
      leaseMs: 600,
      onLost: () => (lost = true),
      report: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(900);
    keeper.stop();
    expect(lost).toBe(false);
    expect(leases.renewals).toBeGreaterThan(2);
  });

  it('stands the run down when another instance holds it', async () => {
    const leases = leaseStore(() => Promise.resolve('lost'));
    let lost = false;
    const onLost = (): void => {
      lost = true;
    };
    const keeper = keepRunLease({
      leases,
      record,
      owner: 'A',
      epoch: 1,
      leaseMs: 30,
      onLost,
      report: () => undefined,
    });
    expect(await lostWithin(keeper, () => lost, 100)).toBe(true);
  });

  it('stands the run down when no renewal got through for a whole lease', async () => {
    const leases = leaseStore(() => new Promise<LeaseRenewal>(() => undefined));
    let lost = false;
    const onLost = (): void => {
      lost = true;
    };
    const keeper = keepRunLease({
      leases,
      record,
      owner: 'A',
      epoch: 1,
      leaseMs: 60,
      onLost,
      report: () => undefined,
    });
    expect(await lostWithin(keeper, () => lost, 100)).toBe(true);
    // Renewals never overlapped: the hanging one was not sent again.
    expect(leases.renewals).toBe(1);
  });
});
