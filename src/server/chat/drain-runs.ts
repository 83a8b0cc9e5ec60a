import type { GatewayStores } from '../../core/stores.js';
import type { ChatRun } from './chat-run.js';
import type { RunRegistry } from './run-registry.js';
import type { SharedRunSettings } from './share-run.js';
import type { TakeoverScan } from './takeover-scan.js';
import type { ChurnSet } from '../../core/churn-map.js';

/** How long `close()` waits for the runs that only wait for their clients to be suspended. */
const SUSPEND_TIMEOUT_MS = 5_000;

/** How long `close()` waits for Redis to record that this instance is gone. */
const LEAVE_TIMEOUT_MS = 1_000;

/** How long `close()` lets run mirrors flush to a shared store. */
const MIRROR_FLUSH_TIMEOUT_MS = 5_000;

/** Waits, at most `timeoutMs`, for `promises` to settle (shutdown never hangs on one). */
export async function settleWithin(
  promises: ReadonlyArray<Promise<unknown>>,
  timeoutMs: number,
): Promise<void> {
  if (promises.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}

/**
 * Hands `run` over once its step under way (a model turn and its tool calls) ended, or after
 * `graceMs`: a turn that finished is checkpointed, so the instance that continues the run never
 * asks the model for it again; a turn cut by the grace is asked again there.
 */
async function handOverAfterStep(run: ChatRun, reason: string, graceMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([run.nextStepEnd(), run.done, grace]);
  clearTimeout(timer);
  await run.handOver(reason);
}

/** Lets mirrors write the end of their runs for a bounded time, then stops them. */
async function finishMirrors(shared: SharedRunSettings): Promise<void> {
  const mirrors = [...shared.pendingMirrors];
  await settleWithin(
    mirrors.map((mirror) => mirror.finish()),
    MIRROR_FLUSH_TIMEOUT_MS,
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
  /** Bounds the waits for runs being started and for the runs' ends (`server.shutdown.timeoutMs`). */
  timeoutMs: number;
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
  const { runs, stores, shared, takeover, report } = options;
  // The heartbeat goes on while the runs finish their steps: silent, this instance would have
  // its runs taken from it before it hands them over.
  await takeover?.stopClaiming();
  await settleWithin([...options.runStarts.values()], options.timeoutMs);
  const active = runs.activeRuns();
  // Before any is cancelled: the suspension is the one state a waiting run survives a restart in.
  await settleWithin(
    active.map((run) => run.suspendIfWaiting().catch((error: unknown) => report(error, 'suspend on close'))),
    SUSPEND_TIMEOUT_MS,
  );
  const reason = 'cancelled: the gateway is shutting down';
  for (const run of active) {
    if (options.handOver) void handOverAfterStep(run, reason, options.timeoutMs / 2);
    else run.abort(reason);
  }
  await settleWithin(
    active.map((run) => run.done),
    options.timeoutMs,
  );
  await takeover?.close();
  runs.close();
  if (shared !== undefined) await finishMirrors(shared);
  // Bounded: with Redis out of reach the command would wait for a reconnect that may never come.
  const leases = stores.runLeases;
  if (shared !== undefined && takeover !== undefined && leases !== undefined) {
    await settleWithin(
      [leases.leave(shared.leaseOwner).catch((error: unknown) => report(error, 'leave'))],
      LEAVE_TIMEOUT_MS,
    );
  }
}
