import { describe, expect, it } from 'vitest';
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
    claimExpired: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
  return store;
};

const lostWithin = (keeper: { stop(): void }, lost: Promise<void>, ms: number): Promise<boolean> =>
  Promise.race([
    lost.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]).finally(() => keeper.stop());

describe('keepRunLease', () => {
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
    await new Promise((resolve) => setTimeout(resolve, 900));
    keeper.stop();
    expect(lost).toBe(false);
    expect(leases.renewals).toBeGreaterThan(2);
  });

  it('stands the run down when another instance holds it', async () => {
    const leases = leaseStore(() => Promise.resolve('lost'));
    let onLost: () => void = () => undefined;
    const lost = new Promise<void>((resolve) => (onLost = resolve));
    const keeper = keepRunLease({
      leases,
      record,
      owner: 'A',
      epoch: 1,
      leaseMs: 30,
      onLost,
      report: () => undefined,
    });
    expect(await lostWithin(keeper, lost, 5_000)).toBe(true);
  });

  it('stands the run down when no renewal got through for a whole lease', async () => {
    const leases = leaseStore(() => new Promise<LeaseRenewal>(() => undefined));
    let onLost: () => void = () => undefined;
    const lost = new Promise<void>((resolve) => (onLost = resolve));
    const keeper = keepRunLease({
      leases,
      record,
      owner: 'A',
      epoch: 1,
      leaseMs: 60,
      onLost,
      report: () => undefined,
    });
    expect(await lostWithin(keeper, lost, 5_000)).toBe(true);
    // Renewals never overlapped: the hanging one was not sent again.
    expect(leases.renewals).toBe(1);
  });
});
