import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClaimedRun, OrphanScanOptions, RunLeaseStore } from '../../core/run-takeover.js';
import { startTakeoverScan } from './takeover-scan.js';

const claimedRun = (runId: string): ClaimedRun => ({
  record: { runId, sessionId: `sess_${runId}`, request: {} },
  checkpoint: undefined,
  epoch: 2,
});

/** A lease store that records heartbeats and scans; `orphans` is what the next scan claims. */
const fakeLeases = () => {
  const beats: OrphanScanOptions[] = [];
  const scans: OrphanScanOptions[] = [];
  const relinquished: string[] = [];
  const state = {
    due: false,
    orphans: [] as ClaimedRun[],
    beatAnswer: undefined as Promise<boolean> | undefined,
  };
  const leases: RunLeaseStore = {
    begin: () => Promise.resolve(),
    renew: () => Promise.resolve('renewed'),
    restore: () => Promise.resolve(true),
    saveCheckpoint: () => Promise.resolve(true),
    relinquish: (runId) => {
      relinquished.push(runId);
      return Promise.resolve();
    },
    end: () => Promise.resolve(),
    holds: () => Promise.resolve(true),
    beat: (_owner, options = {}) => {
      beats.push(options);
      return state.beatAnswer ?? Promise.resolve(state.due);
    },
    claimOrphaned: (_owner, _leaseMs, options = {}) => {
      scans.push(options);
      const claimed = state.orphans;
      state.orphans = [];
      state.due = false;
      return Promise.resolve(claimed);
    },
    leave: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { leases, beats, scans, relinquished, state };
};

describe('startTakeoverScan', () => {
  // The heartbeat is an interval and the streak is measured with `performance.now()`: both
  // faked, so heartbeats pass without waiting for them.
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('judges other instances silent only once its own heartbeat has been steady for the silence', async () => {
    const { leases, beats } = fakeLeases();
    const takeover = startTakeoverScan({
      leases,
      owner: 'B.1',
      leaseMs: 15_000,
      heartbeatMs: 100,
      silentOwnerMs: 300,
      takeOver: () => Promise.resolve(),
      report: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    await takeover.close();
    expect(beats[0]).toEqual({});
    expect(beats.at(-1)).toEqual({ silentOwnerMs: 300 });
    // The first beats (a streak shorter than the silence) never name a silence.
    const firstJudging = beats.findIndex((options) => options.silentOwnerMs !== undefined);
    expect(firstJudging).toBeGreaterThanOrEqual(3);
  });

  it('stops judging after its own heartbeat went unconfirmed for the silence (a Redis outage), and has its runs check their leases', async () => {
    const fake = fakeLeases();
    let silencesEnded = 0;
    const takeover = startTakeoverScan({
      onSilenceEnded: () => (silencesEnded += 1),
      leases: fake.leases,
      owner: 'B.1',
      leaseMs: 15_000,
      heartbeatMs: 100,
      silentOwnerMs: 300,
      takeOver: () => Promise.resolve(),
      report: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(silencesEnded).toBe(0);
    // Redis stops answering, then answers again.
    let answer: (due: boolean) => void = () => undefined;
    fake.state.beatAnswer = new Promise((resolve) => (answer = resolve));
    await vi.advanceTimersByTimeAsync(1_000);
    fake.state.beatAnswer = undefined;
    answer(false);
    const afterOutage = fake.beats.length;
    await vi.advanceTimersByTimeAsync(150);
    expect(silencesEnded).toBeGreaterThan(0);
    expect(fake.beats.slice(afterOutage).every((options) => options.silentOwnerMs === undefined)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.beats.at(-1)).toEqual({ silentOwnerMs: 300 });
    await takeover.close();
  });

  it('scans when a heartbeat says runs are orphaned, and takes over every run claimed in that one scan', async () => {
    const fake = fakeLeases();
    const takenOver: string[] = [];
    const takeover = startTakeoverScan({
      leases: fake.leases,
      owner: 'B.1',
      leaseMs: 15_000,
      heartbeatMs: 100,
      takeOver: (run) => {
        takenOver.push(run.record.runId);
        return Promise.resolve();
      },
      report: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.scans).toEqual([]);
    fake.state.orphans = Array.from({ length: 50 }, (_unused, index) => claimedRun(`run_${index}`));
    fake.state.due = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.scans).toHaveLength(1);
    expect(takenOver).toHaveLength(50);
    await takeover.close();
  });

  it('waits, when it closes, for the claimed runs it is still setting up', async () => {
    const fake = fakeLeases();
    let finishResume: () => void = () => undefined;
    const takeover = startTakeoverScan({
      leases: fake.leases,
      owner: 'B.1',
      leaseMs: 15_000,
      heartbeatMs: 100,
      takeOver: () => new Promise<void>((resolve) => (finishResume = resolve)),
      report: () => undefined,
    });
    fake.state.orphans = [claimedRun('run_slow')];
    fake.state.due = true;
    await vi.advanceTimersByTimeAsync(100);
    let closed = false;
    const closing = takeover.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(closed).toBe(false);
    finishResume();
    await closing;
    expect(closed).toBe(true);
  });
  it('goes on beating once it stopped claiming (a shutdown hands its runs over), and claims nothing more', async () => {
    const fake = fakeLeases();
    const takenOver: string[] = [];
    const takeover = startTakeoverScan({
      leases: fake.leases,
      owner: 'A.1',
      leaseMs: 15_000,
      heartbeatMs: 100,
      takeOver: (run) => {
        takenOver.push(run.record.runId);
        return Promise.resolve();
      },
      report: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(300);
    await takeover.stopClaiming();
    const beatsWhenStopped = fake.beats.length;
    fake.state.orphans = [claimedRun('run_elsewhere')];
    fake.state.due = true;
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.beats.length).toBeGreaterThan(beatsWhenStopped);
    expect(fake.scans).toEqual([]);
    expect(takenOver).toEqual([]);
    await takeover.close();
    const beatsWhenClosed = fake.beats.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.beats).toHaveLength(beatsWhenClosed);
  });
});
