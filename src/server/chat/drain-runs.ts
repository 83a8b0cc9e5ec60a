import type { GatewayStores } from '../../core/stores.js';
import type { ChatRun } from './chat-run.js';
import type { RunRegistry } from './run-registry.js';
import type { SharedRunSettings } from './share-run.js';
import type { TakeoverScan } from './takeover-scan.js';
import type { ChurnSet } from '../../core/churn-map.js';
import type { ShutdownDeadline } from './shutdown-deadline.js';

/** The most `close()` waits for the runs that only wait for their clients to be suspended. */
const SUSPEND_TIMEOUT_MS = 5_000;

/** The most `close()` waits for Redis to record that this instance is gone. */
const LEAVE_TIMEOUT_MS = 1_000;

/** The most `close()` lets run mirrors flush to a shared store. */
const MIRROR_FLUSH_TIMEOUT_MS = 5_000;

/**
 * The share of the deadline kept, while the runs end, for what follows them (the mirrors'
 * flush, leaving Redis, closing the services and stores): at most this many ms, at most a fifth.
 */
const AFTER_RUNS_RESERVE_MS = 1_000;

/** What the run waits leave of `deadline` for the steps after them. */
export const afterRunsReserveMs = (timeoutMs: number): number =>
  Math.min(AFTER_RUNS_RESERVE_MS, timeoutMs / 5);

/**
 * Hands `run` over once its step under way (a model turn and its tool calls) ended, or after
 * `graceMs`: a turn that finished is checkpointed, so the instance that continues the run never
 * asks the model for it again; a turn cut by the grace is asked again there.
 */
async function handOverAfterStep(
  run: ChatRun,
  reason: string,
  deadline: ShutdownDeadline,
  graceMs: number,
): Promise<void> {
  await deadline.settle([Promise.race([run.nextStepEnd(), run.done])], { capMs: graceMs });
  await run.handOver(reason);
}

/** Lets mirrors write the end of their runs for a bounded time, then stops them. */
async function finishMirrors(shared: SharedRunSettings, deadline: ShutdownDeadline): Promise<void> {
  const mirrors = [...shared.pendingMirrors];
  await deadline.settle(
    mirrors.map((mirror) => mirror.finish()),
    { capMs: MIRROR_FLUSH_TIMEOUT_MS },
  );
  for (const mirror of mirrors) mirror.close();
}

/** What `drainRuns` needs from the app. */
export interface DrainRunsOptions {
  runs: RunRegistry;
  stores: GatewayStores;
  /** Set when runs are shared with other instances. */
  shared: SharedRunSettings | undefined;
  /** The app's takeover scan, when it runs. */
  takeover: TakeoverScan | undefined;
  /** Runs whose start was under way when the shutdown began. */
  runStarts: ChurnSet<Promise<unknown>>;
  /** Hand the runs over to another instance instead of cancelling them. */
  handOver: boolean;
  /** The shutdown's deadline (`server.shutdown.timeoutMs`): every wait of the drain ends by it. */
  deadline: ShutdownDeadline;
  report: (error: unknown, where: string) => void;
}

/**
 * The run part of a shutdown, every wait bounded: stops taking runs over, lets runs under way
 * start, suspends the runs that only wait for their clients' answers (with a database that
 * keeps suspended runs: an approval or a client tool asked before the restart is answered after
 * it), cancels (or hands over) every other active run and waits for them to end, lets their
 * mirrors flush to the shared store, and finally tells Redis this instance is gone, so that
 * whatever it still holds is claimable at once.
 */
export async function drainRuns(options: DrainRunsOptions): Promise<void> {
  const { runs, stores, shared, takeover, report, deadline } = options;
  const reserveMs = afterRunsReserveMs(deadline.remainingMs());
  // The heartbeat goes on while the runs finish their steps: silent, this instance would have
  // its runs taken from it before it hands them over.
  await deadline.settle([takeover?.stopClaiming() ?? Promise.resolve()], { reserveMs });
  await deadline.settle([...options.runStarts.values()], { reserveMs });
  const active = runs.activeRuns();
  // Before any is cancelled: the suspension is the one state a waiting run survives a restart in.
  await deadline.settle(
    active.map((run) => run.suspendIfWaiting().catch((error: unknown) => report(error, 'suspend on close'))),
    { capMs: SUSPEND_TIMEOUT_MS, reserveMs },
  );
  const reason = 'cancelled: the gateway is shutting down';
  // Half of what is left lets a step under way finish; the hand-over itself takes the rest.
  const graceMs = (deadline.remainingMs() - reserveMs) / 2;
  for (const run of active) {
    if (options.handOver) void handOverAfterStep(run, reason, deadline, graceMs);
    else run.abort(reason);
  }
  await deadline.settle(
    active.map((run) => run.done),
    { reserveMs },
  );
  await deadline.settle([takeover?.close() ?? Promise.resolve()]);
  runs.close();
  if (shared !== undefined) await finishMirrors(shared, deadline);
  // Bounded: with Redis out of reach the command would wait for a reconnect that may never come.
  const leases = stores.runLeases;
  if (shared !== undefined && takeover !== undefined && leases !== undefined) {
    await deadline.settle(
      [leases.leave(shared.leaseOwner).catch((error: unknown) => report(error, 'leave'))],
      {
        capMs: LEAVE_TIMEOUT_MS,
      },
    );
  }
}
