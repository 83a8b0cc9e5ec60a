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
  /**
   * Called once when the run must stop here: a renewal found it held by another instance, or
   * no renewal got through for a whole lease (another instance may have taken it over).
   */
  onLost: () => void;
  report: (error: unknown, where: string) => void;
  /** Where the keeper is listed while it runs (the app asks them all to renew at once). */
  keepers?: Set<RunLeaseKeeper>;
}

/** A running renewal; `stop()` ends it (idempotent). */
export interface RunLeaseKeeper {
  stop(): void;
  /**
   * Renews now rather than at the next period (unless a renewal is under way): the instance's
   * heartbeat went unanswered for so long that another instance may have taken the run over.
   */
  renewNow(): void;
}

/**
 * Renews a run's lease every third of its duration, so two renewals can fail (a Redis blip)
 * before it lapses. Renewals never overlap: while one waits (Redis down, the command queued in
 * the client) the next tick only checks the clock. A refused renewal means another instance
 * took the run over; a lease with no renewal confirmed for its whole duration may have been,
 * so the run stands down then too rather than run on beside its new owner (which the fencing
 * of shared writes would hide, but not the side effects of its tools). A lease Redis forgot
 * (it restarted without its data) is restored at the same epoch.
 */
export function keepRunLease(options: KeepRunLeaseOptions): RunLeaseKeeper {
  const { leases, record, owner, epoch, leaseMs, onLost, report } = options;
  const { runId } = record;
  const periodMs = Math.max(1, Math.floor(leaseMs / 3));
  /** When the last renewal that got through was sent: the lease runs at least until then + leaseMs. */
  let confirmedAt = performance.now();
  let renewing = false;
  let stopped = false;

  const lose = (): void => {
    if (stopped) return;
    stop();
    onLost();
  };

  const renew = async (): Promise<void> => {
    const sentAt = performance.now();
    renewing = true;
    try {
      let renewal = await leases.renew(runId, owner, epoch, leaseMs);
      if (renewal === 'missing' && !stopped) {
        renewal = (await leases.restore(record, owner, epoch, leaseMs)) ? 'renewed' : 'lost';
      }
      if (renewal === 'lost') return lose();
      confirmedAt = Math.max(confirmedAt, sentAt);
    } catch (error) {
      report(error, `run lease renewal of ${runId}`);
    } finally {
      renewing = false;
    }
  };

  const tick = (): void => {
    if (stopped) return;
    if (performance.now() - confirmedAt >= leaseMs) return lose();
    if (!renewing) void renew();
  };

  const timer = setInterval(tick, periodMs);
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
    options.keepers?.delete(keeper);
  }
  const keeper: RunLeaseKeeper = {
    stop,
    renewNow() {
      if (!stopped && !renewing) void renew();
    },
  };
  options.keepers?.add(keeper);
  return keeper;
}
