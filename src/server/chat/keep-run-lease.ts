import type { RunLeaseStore, RunRecord } from '../../core/run-takeover.js';

/** Options of `keepRunLease`. */
export interface KeepRunLeaseOptions {
  leases: RunLeaseStore;
  /** The run, as recorded with its lease (to restore a lease Redis lost). */
  record: RunRecord;
  /** This instance's id: the lease's owner. */
  owner: string;
  epoch: number;
  leaseMs: number;
  /** Called once when a renewal finds the run held by another instance (or gone). */
  onLost: () => void;
  report: (error: unknown, where: string) => void;
}

/** A running renewal; `stop()` ends it (idempotent). */
export interface RunLeaseKeeper {
  stop(): void;
}

/**
 * Renews a run's lease every third of its duration, so two renewals can fail (a Redis blip)
 * before it lapses. Renewals never overlap: the next is scheduled when the previous settled,
 * which matters while Redis is down and commands wait in the client's queue. A failed renewal
 * is reported and retried at the next tick; a refused one means another instance took the run
 * over, and `onLost` tells the run to stand down. A lease Redis forgot (it restarted without
 * its data) is restored at the same epoch.
 */
export function keepRunLease(options: KeepRunLeaseOptions): RunLeaseKeeper {
  const { leases, record, owner, epoch, leaseMs, onLost, report } = options;
  const { runId } = record;
  const periodMs = Math.max(1, Math.floor(leaseMs / 3));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void renew(), periodMs);
    timer.unref();
  };

  const renew = async (): Promise<void> => {
    timer = undefined;
    try {
      let renewal = await leases.renew(runId, owner, epoch, leaseMs);
      // Redis lost the lease (restarted empty) and nobody else holds the run: take it back.
      if (renewal === 'missing' && !stopped) {
        renewal = (await leases.restore(record, owner, epoch, leaseMs)) ? 'renewed' : 'lost';
      }
      if (stopped) return;
      if (renewal === 'lost') {
        stopped = true;
        onLost();
        return;
      }
    } catch (error) {
      report(error, `run lease renewal of ${runId}`);
    }
    schedule();
  };

  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
