import type { ClaimedRun, RunLeaseStore } from '../../core/run-takeover.js';
import { BusChannel, type MessageBus, type Unsubscribe } from '../../core/stores.js';

/** Options of `startRunTakeover`. */
export interface RunTakeoverOptions {
  leases: RunLeaseStore;
  /** When given, a message on `BusChannel.runsHandedOver` starts a scan at once. */
  bus?: MessageBus;
  /** This instance's id: the owner of the runs it claims. */
  owner: string;
  leaseMs: number;
  /** Pause between two scans for lapsed leases (default: half the lease). */
  intervalMs?: number;
  /** Runs claimed per scan (default 8); the rest wait for the next scan or another instance. */
  batchSize?: number;
  /** Continues one claimed run; a rejection is reported. */
  resume: (claimed: ClaimedRun) => Promise<void>;
  report: (error: unknown, where: string) => void;
}

/** The background scan; `close()` stops it and waits for the scan in progress (idempotent). */
export interface RunTakeover {
  close(): Promise<void>;
}

/**
 * Periodically claims runs whose lease lapsed (their instance died, or lost Redis for longer
 * than a lease) and continues them here. Scans never overlap, and the claim is atomic in the
 * store, so with many instances scanning each orphaned run is continued by exactly one. A
 * hand-over announced on the bus triggers a scan at once.
 */
export function startRunTakeover(options: RunTakeoverOptions): RunTakeover {
  const { leases, owner, leaseMs, resume, report } = options;
  const intervalMs = options.intervalMs ?? Math.max(1, Math.floor(leaseMs / 2));
  const batchSize = options.batchSize ?? 8;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let scanning: Promise<void> | undefined;
  let closed = false;

  const scan = async (): Promise<void> => {
    let claimed: ClaimedRun[] = [];
    try {
      claimed = await leases.claimExpired(owner, leaseMs, batchSize);
    } catch (error) {
      report(error, 'run takeover scan');
    }
    // Claimed while closing: give them back at once for another instance to take.
    if (closed) {
      await Promise.allSettled(claimed.map((run) => leases.relinquish(run.record.runId, run.epoch)));
      return;
    }
    // Concurrently: one slow runtime build must not let the other claimed leases lapse.
    await Promise.all(
      claimed.map((run) =>
        resume(run).catch((error: unknown) => report(error, `takeover of run ${run.record.runId}`)),
      ),
    );
  };

  /** Set when a scan was asked for while one was running: it runs again right after. */
  let again = false;
  const run = (): void => {
    clearTimeout(timer);
    timer = undefined;
    again = false;
    scanning = scan().finally(() => {
      scanning = undefined;
      if (again && !closed) run();
      else schedule();
    });
  };

  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };

  const scanNow = (): void => {
    if (closed) return;
    if (scanning !== undefined) again = true;
    else run();
  };

  schedule();
  let unsubscribe: Promise<Unsubscribe | undefined> = Promise.resolve(undefined);
  if (options.bus !== undefined) {
    unsubscribe = options.bus.subscribe(BusChannel.runsHandedOver(), scanNow).catch((error: unknown) => {
      report(error, 'run hand-over subscription');
      return undefined;
    });
  }
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        await (
          await unsubscribe
        )?.();
        await scanning;
      })();
      return closing;
    },
  };
}
