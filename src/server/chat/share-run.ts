import type { CheckpointSink } from '../../core/run-takeover.js';
import { BusChannel, type GatewayStores, type Unsubscribe } from '../../core/stores.js';
import type { ChatRunEventLog } from './chat-run-event-log.js';
import type { ChatRunLifecycle } from './chat-run.js';
import { keepRunLease, type RunLeaseKeeper } from './keep-run-lease.js';
import { createRunEventMirror, type RunEventMirror } from './run-event-mirror.js';

/** Options of `shareRun`. */
export interface ShareRunOptions {
  stores: GatewayStores;
  runId: string;
  session: { sessionId: string };
  eventLog: ChatRunEventLog;
  /**
   * The run being shared: a cancel published on the bus aborts it, and a lost lease or a fenced
   * write tells it that another instance took it over. Checkpoints stop once it is handed over.
   */
  run: Pick<ChatRunLifecycle, 'abort' | 'lose' | 'state' | 'stepEnded'>;
  shared?: SharedRunSettings;
  /** The chat request, kept with the run's lease for whichever instance continues the run. */
  request: Record<string, unknown>;
  /** Set when this instance took the run over: the lease epoch its claim got. */
  takenOverAtEpoch?: number;
  report: (error: unknown, where: string) => void;
}

/** How runs are shared when the stores are: set by the app once for all its runs. */
export interface SharedRunSettings {
  /** Id of this gateway instance, recorded in the run directory. */
  instanceId: string;
  /**
   * Who holds this instance's run leases and beats its heartbeat: unique to this process, so
   * that an instance restarted with the same `instanceId` is never mistaken for the one that
   * died (whose runs are then taken over at once).
   */
  leaseOwner: string;
  /** How long a finished run stays readable from other instances, in ms. */
  retentionMs: number;
  /** Bytes of events (as JSON) a finished run keeps in the shared log (`maxRetainedBytesPerRun`). */
  maxRetainedBytesPerRun: number;
  /** How long a run's lease lasts without renewal before another instance may take it over. */
  leaseMs: number;
  /**
   * Mirrors still writing the end of their run (Redis may be down). The app stops them on
   * close, after a bounded wait.
   */
  pendingMirrors: Set<RunEventMirror>;
  /** The lease keepers of this instance's runs (asked to renew at once after a silence). */
  leaseKeepers: Set<RunLeaseKeeper>;
}

/** What `shareRun` set up. */
export interface SharedRun {
  /** Where the runner's checkpoints go (absent when the stores keep no leases). */
  saveCheckpoint?: CheckpointSink;
  /** The run ended here: stop listening, write the end of the log (not awaited), end the lease. */
  release(): Promise<void>;
  /**
   * When this instance still holds the run (always, without leases): releases the session's run
   * lock and withdraws its pending answers, and answers true. Otherwise (another instance took the
   * run over: the lock and pending answers are that run's) touches nothing and answers false.
   * With the stores' `runBookkeeping`, the check and the lock are one round trip on a single
   * Redis. Failures are reported (false).
   */
  freeSession(): Promise<boolean>;
  /** The run moved to another instance: stop listening and mirroring, touch nothing shared. */
  standDown(): Promise<void>;
  /**
   * Hands the run to another instance (graceful shutdown): waits until every event is in the
   * shared log, then lets the lease lapse at once. False when runs have no leases here.
   */
  handOver(): Promise<boolean>;
}

/**
 * Makes a run visible to the other instances when the stores are shared: records it as the
 * session's latest run in the directory, mirrors every log entry (those already written too)
 * into the shared event log store, and cancels the run when any instance publishes on
 * `BusChannel.cancelRun`. With run leases it also holds the run's lease (renewed in the
 * background) and turns checkpoints into fenced writes, so another instance can take the run
 * over if this one dies. Returns undefined, at no cost, for unshared (in-memory) stores.
 */
export async function shareRun(options: ShareRunOptions): Promise<SharedRun | undefined> {
  const { stores, runId, eventLog, shared, report, run } = options;
  /** Another instance took the run over from this one: stop without writing anything more. */
  const onLost = (): void => run.lose();
  const { sessionId } = options.session;
  const { runEvents, runDirectory, runLeases } = stores;
  if (shared === undefined || runEvents === undefined || runDirectory === undefined) return undefined;
  const epoch = options.takenOverAtEpoch ?? 1;
  const record = { runId, sessionId, request: options.request };
  // Independent round trips, sent together: they sit on the path to the stream's first event.
  const subscribing = stores.bus
    .subscribe(BusChannel.cancelRun(sessionId), () => run.abort('cancelled'))
    .catch((error: unknown) => {
      report(error, 'cancel subscription');
      return undefined;
    });
  // The stores' combined bookkeeping (fewer round trips) where they offer it, with leases.
  const bookkeeping = runLeases === undefined ? undefined : stores.runBookkeeping;
  const location = { runId, sessionId, instanceId: shared.instanceId, finished: false };
  const newLease = runLeases !== undefined && options.takenOverAtEpoch === undefined;
  // The entry of a running run must outlive the run; `markFinished` shortens it afterwards.
  const directoryTtlMs = 86_400_000;
  try {
    await (bookkeeping === undefined
      ? Promise.all([
          newLease ? runLeases?.begin(record, shared.leaseOwner, shared.leaseMs) : undefined,
          runDirectory.setLatest(location, directoryTtlMs),
        ])
      : bookkeeping.open({
          location,
          directoryTtlMs,
          ...(newLease ? { lease: { record, owner: shared.leaseOwner, leaseMs: shared.leaseMs } } : {}),
        }));
  } catch (error) {
    await (
      await subscribing
    )?.();
    throw error;
  }
  const mirror = createRunEventMirror({
    runId,
    sessionId,
    store: runEvents,
    directory: runDirectory,
    retentionMs: shared.retentionMs,
    maxRetainedBytes: shared.maxRetainedBytesPerRun,
    continued: eventLog.firstSeq > 1,
    report,
    ...(runLeases === undefined ? {} : { fence: { epoch }, onFenced: onLost }),
    ...(bookkeeping === undefined
      ? {}
      : {
          finalize: () =>
            bookkeeping.finish({
              runId,
              sessionId,
              retentionMs: shared.retentionMs,
              epoch,
              owner: shared.leaseOwner,
            }),
        }),
    onWritten: (seq) => eventLog.reveal(seq),
    onClosed: () => eventLog.revealAll(),
  });
  // Local readers see an event once it is in the shared log: a client that re-attaches
  // through another instance (or to the run's next owner) never holds a seq the log lacks.
  eventLog.holdBack();
  for (const entry of eventLog.entries()) mirror.push(entry);
  const detach = eventLog.onAppend((entry) => mirror.push(entry));
  const unsubscribe: Unsubscribe | undefined = await subscribing;
  const keeper: RunLeaseKeeper | undefined =
    runLeases === undefined
      ? undefined
      : keepRunLease({
          leases: runLeases,
          record,
          owner: shared.leaseOwner,
          epoch,
          leaseMs: shared.leaseMs,
          onLost,
          report,
          keepers: shared.leaseKeepers,
        });
  const stopListening = async (): Promise<void> => {
    keeper?.stop();
    detach();
    await unsubscribe?.();
  };
  return {
    ...(runLeases === undefined
      ? {}
      : {
          async saveCheckpoint(checkpoint) {
            // Once handed over, what the aborted run records (cancelled tool calls) is not a step.
            if (run.state === 'handingOver') return;
            // The events that led to this point reach the shared log first: a takeover from
            // this checkpoint then continues a log that already shows everything it contains.
            await mirror.flush();
            if (!(await runLeases.saveCheckpoint(runId, epoch, checkpoint))) onLost();
            else if (checkpoint.toolsInFlight === undefined) run.stepEnded();
          },
        }),
    async freeSession() {
      try {
        if (bookkeeping !== undefined) return await bookkeeping.freeSession({ runId, sessionId, epoch });
        if (runLeases !== undefined && !(await runLeases.holds(runId, epoch))) return false;
        await Promise.all([
          stores.pendingAnswers.deletePendingOfRun(sessionId, runId),
          stores.sessions.releaseRunLock(sessionId),
        ]);
        return true;
      } catch (error) {
        report(error, 'run cleanup');
        return false;
      }
    },
    async release() {
      await stopListening();
      // The final writes continue in the background when Redis is down; the app's close stops them.
      // With bookkeeping, the mirror's finalize ended the lease (unless it stopped before).
      const finished = mirror
        .finish()
        .then((finalized) =>
          bookkeeping !== undefined && finalized ? undefined : runLeases?.end(runId, epoch),
        );
      shared.pendingMirrors.add(mirror);
      void finished
        .catch((error: unknown) => report(error, 'run lease release'))
        .finally(() => shared.pendingMirrors.delete(mirror));
    },
    async standDown() {
      mirror.close();
      await stopListening();
    },
    async handOver() {
      if (runLeases === undefined) return false;
      keeper?.stop();
      await mirror.flush();
      await runLeases.relinquish(runId, epoch);
      await stores.bus.publish(BusChannel.runsHandedOver(), {});
      return true;
    },
  };
}
