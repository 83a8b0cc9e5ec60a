import type { ClaimedRun, RunLeaseStore } from '../../core/run-takeover.js';
import { BusChannel, type MessageBus, type Unsubscribe } from '../../core/stores.js';
import { trackHeartbeatStreak } from './heartbeat-streak.js';
import { serverDefaults } from '../contracts/server-spec.js';

/**
 * How long an instance may stay silent before it is presumed dead: `silentOwnerMs`
 * (`server.instanceSilentMs`) or three heartbeats, never more than a lease.
 */
export const silenceOfOwners = (
  leaseMs: number,
  heartbeatMs: number = serverDefaults.instanceHeartbeatMs,
  silentOwnerMs?: number,
): number => Math.min(leaseMs, silentOwnerMs ?? 3 * Math.max(1, heartbeatMs));

/** Options of `startTakeoverScan`. */
export interface TakeoverScanOptions {
  leases: RunLeaseStore;
  /** When given, a message on `BusChannel.runsHandedOver` starts a scan at once. */
  bus?: MessageBus;
  /** This instance's lease owner id: the owner of the runs it claims, and whose heartbeat it beats. */
  owner: string;
  leaseMs: number;
  /** Pause between two heartbeats in ms (`server.instanceHeartbeatMs`); each also checks whether a scan is due. */
  heartbeatMs?: number;
  /**
   * How long another instance may stay silent before its runs are taken over without waiting
   * for their leases (three heartbeats unless given). Never more than `leaseMs`; the heartbeat is
   * shortened to a third of it when longer.
   */
  silentOwnerMs?: number;
  /**
   * Called when a heartbeat was answered after so long that the others may have judged this
   * instance silent and taken its runs: its runs should check their leases now.
   */
  onSilenceEnded?: () => void;
  /** Continues one claimed run here; a rejection is reported. */
  takeOver: (claimed: ClaimedRun) => Promise<void>;
  report: (error: unknown, where: string) => void;
}

/** The background heartbeat and scan; `close()` stops both and waits for them (idempotent). */
export interface TakeoverScan {
  close(): Promise<void>;
  /**
   * Stops claiming runs (the first step of a shutdown) but goes on beating the heartbeat, so the
   * others do not take this instance's runs while they finish their steps; `close()` stops the
   * rest. Idempotent.
   */
  stopClaiming(): Promise<void>;
}

/**
 * Beats this instance's heartbeat and claims runs whose instance died, continuing them here.
 * Each heartbeat (one round trip) also tells whether a scan is due: a lease lapsed (its
 * instance lost Redis for longer than a lease, or handed it over) or an instance stopped
 * beating for `silentOwnerMs`; a scan then claims every such run in one round. Instances judge
 * others silent only once their own heartbeat has been confirmed without a gap for that long,
 * so that after a Redis outage, which silences everyone, nobody takes over the runs of
 * instances that are merely reconnecting. Scans never overlap, and each claim is atomic in the
 * store, so with many instances scanning each orphaned run is continued by exactly one. A
 * hand-over announced on the bus triggers a scan at once.
 */
export function startTakeoverScan(options: TakeoverScanOptions): TakeoverScan {
  const { leases, owner, leaseMs, takeOver, report } = options;
  const requestedBeatMs = Math.max(1, options.heartbeatMs ?? serverDefaults.instanceHeartbeatMs);
  const silentOwnerMs = silenceOfOwners(leaseMs, requestedBeatMs, options.silentOwnerMs);
  // At least three heartbeats per silence: one late heartbeat never makes an instance silent.
  const heartbeatMs = Math.max(1, Math.min(requestedBeatMs, Math.floor(silentOwnerMs / 3)));
  const streak = trackHeartbeatStreak(silentOwnerMs);
  let scanning: Promise<void> | undefined;
  let beating: Promise<void> | undefined;
  /** Claimed runs being taken over here: `close()` waits for them. */
  const takingOver = new Set<Promise<void>>();
  let closed = false;
  /** Set once no run is to be claimed here any more (`stopClaiming`, `close`). */
  let claiming = true;

  const scanOptions = () => (streak.mayJudge() ? { silentOwnerMs } : {});

  const scan = async (): Promise<void> => {
    let claimed: ClaimedRun[] = [];
    try {
      claimed = await leases.claimOrphaned(owner, leaseMs, scanOptions());
    } catch (error) {
      report(error, 'run takeover scan');
    }
    // Claimed while closing: give them back at once for another instance to take.
    if (!claiming) {
      await Promise.allSettled(claimed.map((run) => leases.relinquish(run.record.runId, run.epoch)));
      return;
    }
    // Not awaited: the next scan must not wait for one slow runtime build.
    for (const run of claimed) {
      const takenOver = takeOver(run)
        .catch((error: unknown) => report(error, `takeover of run ${run.record.runId}`))
        .finally(() => takingOver.delete(takenOver));
      takingOver.add(takenOver);
    }
  };

  /** Set when a scan was asked for while one was running: it runs again right after. */
  let again = false;
  const scanNow = (): void => {
    if (!claiming) return;
    if (scanning !== undefined) {
      again = true;
      return;
    }
    again = false;
    scanning = scan().finally(() => {
      scanning = undefined;
      if (again) scanNow();
    });
  };

  const beat = async (): Promise<void> => {
    const sentAt = performance.now();
    try {
      const due = await leases.beat(owner, scanOptions());
      if (streak.confirmed(sentAt, performance.now())) options.onSilenceEnded?.();
      if (due) scanNow();
    } catch (error) {
      report(error, 'instance heartbeat');
    }
  };

  const tick = (): void => {
    // A heartbeat still waiting (Redis slow or down) is not doubled.
    if (closed || beating !== undefined) return;
    beating = beat().finally(() => (beating = undefined));
  };
  const timer = setInterval(tick, heartbeatMs);
  timer.unref();
  tick();

  let unsubscribe: Promise<Unsubscribe | undefined> = Promise.resolve(undefined);
  if (options.bus !== undefined) {
    unsubscribe = options.bus.subscribe(BusChannel.runsHandedOver(), scanNow).catch((error: unknown) => {
      report(error, 'run hand-over subscription');
      return undefined;
    });
  }
  let stopping: Promise<void> | undefined;
  const stopClaiming = (): Promise<void> => {
    stopping ??= (async () => {
      claiming = false;
      await (
        await unsubscribe
      )?.();
      await scanning;
      await Promise.allSettled([...takingOver]);
    })();
    return stopping;
  };
  return {
    stopClaiming,
    async close() {
      closed = true;
      clearInterval(timer);
      // Not the heartbeat in flight: it holds nothing, and waits as long as Redis is away.
      await stopClaiming();
    },
  };
}
