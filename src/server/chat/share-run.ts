import type { EventLog } from '../../agent/event-log.js';
import { BusChannel, type GatewayStores, type Unsubscribe } from '../../core/stores.js';
import { createRunEventMirror, type RunEventMirror } from './run-event-mirror.js';

/** Options of `shareRun`. */
export interface ShareRunOptions {
  stores: GatewayStores;
  runId: string;
  session: { sessionId: string };
  eventLog: EventLog;
  shared?: SharedRunSettings;
  abort: (reason?: string) => void;
  report: (error: unknown, where: string) => void;
}

/** How runs are shared when the stores are: set by the app once for all its runs. */
export interface SharedRunSettings {
  /** Id of this gateway instance, recorded in the run directory. */
  instanceId: string;
  /** How long a finished run stays readable from other instances, in seconds. */
  retentionSeconds: number;
  /**
   * Mirrors still writing the end of their run (Redis may be down). The app stops them on
   * close, after a bounded wait.
   */
  pendingMirrors: Set<RunEventMirror>;
}

/** What `shareRun` set up; `release` undoes it once the run has ended. */
export interface SharedRun {
  /** Stops listening for cancels and starts the mirror's final writes (not awaited). */
  release(): Promise<void>;
}

/**
 * Makes a run visible to the other instances when the stores are shared: records it as the
 * session's latest run in the directory, mirrors every log entry (those already written too)
 * into the shared event log store, and cancels the run when any instance publishes on
 * `BusChannel.cancelRun`. Returns undefined, at no cost, for unshared (in-memory) stores.
 */
export async function shareRun(options: ShareRunOptions): Promise<SharedRun | undefined> {
  const { stores, runId, eventLog, shared, report } = options;
  const { sessionId } = options.session;
  const { runEvents, runDirectory } = stores;
  if (shared === undefined || runEvents === undefined || runDirectory === undefined) return undefined;
  await runDirectory.setLatest(
    { runId, sessionId, instanceId: shared.instanceId, finished: false },
    // The entry of a running run must outlive the run; `markFinished` shortens it afterwards.
    86_400,
  );
  const mirror = createRunEventMirror({
    runId,
    sessionId,
    store: runEvents,
    directory: runDirectory,
    retentionSeconds: shared.retentionSeconds,
    report,
  });
  for (const entry of eventLog.entries()) mirror.push(entry);
  const detach = eventLog.onAppend((entry) => mirror.push(entry));
  let unsubscribe: Unsubscribe | undefined;
  try {
    unsubscribe = await stores.bus.subscribe(BusChannel.cancelRun(sessionId), () =>
      options.abort('cancelled'),
    );
  } catch (error) {
    report(error, 'cancel subscription');
  }
  return {
    async release() {
      detach();
      await unsubscribe?.();
      // The final writes continue in the background when Redis is down; the app's close stops them.
      const finished = mirror.finish();
      shared.pendingMirrors.add(mirror);
      void finished.finally(() => shared.pendingMirrors.delete(mirror));
    },
  };
}
