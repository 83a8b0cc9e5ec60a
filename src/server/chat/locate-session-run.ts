import { isTerminalEvent, type LogEntry } from '../../core/events.js';
import type { LogEntrySource } from '../../agent/log-follower.js';
import type { ChatRun } from './chat-run.js';
import { endsWithTerminal, followRemoteRun, type SharedStores } from './remote-runs.js';
import type { RunRegistry } from './run-registry.js';
import type { LocatedRun } from './session-runs.js';
import { holdUntilCallEnds } from './hold-until-call-ends.js';

/** What `createRunLocator` needs: the instance's runs and, with shared stores, the others'. */
export interface RunLocatorDependencies {
  runs: RunRegistry;
  /** Set when runs are shared between instances: a run held elsewhere is read from there. */
  sharedStores: SharedStores | undefined;
  /** Takes a follower slot of a run, or throws 429; returns the idempotent release. */
  joinFollowers: (runId: string) => () => void;
  report: (error: unknown, where: string) => void;
}

/**
 * Creates `SessionRuns.locate`: the session's current or most recent run, held here or (with
 * shared stores) read from the shared log of the instance that holds it.
 */
export function createRunLocator(
  dependencies: RunLocatorDependencies,
): (sessionId: string) => Promise<LocatedRun | undefined> {
  const { runs, sharedStores, joinFollowers, report } = dependencies;

  const holdWhile = (entries: AsyncIterable<LogEntry>, toolCallId: string, release: () => void): void =>
    holdUntilCallEnds(entries, toolCallId, release, report);

  const locateLocal = (run: ChatRun): LocatedRun => ({
    runId: run.runId,
    local: run,
    finished: run.eventLog.finished,
    snapshot: async (signal) =>
      run.eventLog.firstSeq > 1 && sharedStores !== undefined
        ? readShared(sharedStores, run.runId, signal)
        : run.eventLog.entries(0),
    follow(afterSeq) {
      const leaveSlot = joinFollowers(run.runId);
      const leaveRun = runs.follow(run);
      const leave = (): void => {
        leaveSlot();
        leaveRun();
      };
      run.onDone(leave);
      // A run continued here holds its log from `firstSeq` on: a follower from before that (a
      // client whose last events were stored after its stream from the first instance ended)
      // reads the part before from the shared log, or it would miss it.
      const entries: LogEntrySource =
        sharedStores === undefined || afterSeq >= run.eventLog.firstSeq - 1
          ? run.eventLog.feed(afterSeq)
          : (signal) => sharedThenLocal(sharedStores, run, afterSeq, signal);
      return { entries, leave };
    },
    holdUntilAnswered(toolCallId, afterSeq, signal) {
      holdWhile(run.eventLog.subscribe(afterSeq, signal), toolCallId, runs.follow(run));
    },
  });

  const locateRemote = async (
    storesOfRuns: SharedStores,
    sessionId: string,
  ): Promise<LocatedRun | undefined> => {
    const location = await storesOfRuns.runDirectory.getLatest(sessionId);
    if (location === undefined) return undefined;
    const lastSeq = await storesOfRuns.runEvents.lastSeq(location.runId);
    const finished = location.finished || (await endsWithTerminal(storesOfRuns, location.runId, lastSeq));
    return {
      runId: location.runId,
      local: undefined,
      finished,
      snapshot: (signal) => readShared(storesOfRuns, location.runId, signal),
      follow(afterSeq) {
        const leaveSlot = joinFollowers(location.runId);
        const remote = followRemoteRun(storesOfRuns, location, afterSeq, report);
        return {
          entries: remote.entries,
          leave: () => {
            leaveSlot();
            remote.leave();
          },
        };
      },
      holdUntilAnswered(toolCallId, afterSeq, signal) {
        const remote = followRemoteRun(storesOfRuns, location, afterSeq, report);
        holdWhile(remote.entries(signal), toolCallId, remote.leave);
      },
    };
  };

  return async (sessionId) => {
    const run = runs.latest(sessionId);
    // A run suspended here may have resumed on another instance since: the shared directory
    // knows where the session's run is now.
    const stale = sharedStores !== undefined && run !== undefined && endedSuspended(run);
    if (run !== undefined && !run.eventLog.abandoned && !stale) return locateLocal(run);
    return sharedStores === undefined ? undefined : locateRemote(sharedStores, sessionId);
  };
}

/** Whether the run's log ended because the run was suspended to the database. */
function endedSuspended(run: ChatRun): boolean {
  if (!run.eventLog.finished) return false;
  const last = run.eventLog.entries(run.eventLog.lastSeq - 1).at(-1)?.event;
  return last?.type === 'error' && last.code === 'run_suspended';
}

/**
 * The entries of a run continued here (taken over, or resumed from its suspension) after
 * `afterSeq`: those of its current life that only the shared log holds, then the local log's,
 * live. A life that ended before (in a suspension) is left out, as the local log always did:
 * readers of a resumed run begin with it.
 */
async function* sharedThenLocal(
  stores: SharedStores,
  run: ChatRun,
  afterSeq: number,
  signal: AbortSignal,
): AsyncGenerator<LogEntry, void, undefined> {
  const held = run.eventLog.firstSeq - 1;
  const part: LogEntry[] = [];
  // A read ends after a terminal entry: the next one starts after it, in the next life.
  for (let from = afterSeq; from < held && !signal.aborted;) {
    let reached = from;
    for await (const entry of stores.runEvents.read(run.runId, from, signal)) {
      reached = entry.seq;
      if (isTerminalEvent(entry.event)) part.length = 0;
      else part.push(entry);
      if (entry.seq >= held) break;
    }
    // Nothing more stored (the log expired): the local log goes on from where it starts.
    if (reached === from) break;
    from = reached;
  }
  yield* part;
  yield* run.eventLog.subscribe(held, signal);
}

/** Every entry of a run in the shared log, up to the last one written when called. */
async function readShared(stores: SharedStores, runId: string, signal: AbortSignal): Promise<LogEntry[]> {
  const lastSeq = await stores.runEvents.lastSeq(runId);
  const entries: LogEntry[] = [];
  if (lastSeq === 0) return entries;
  const reader = new AbortController();
  const stop = (): void => reader.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const entry of stores.runEvents.read(runId, 0, reader.signal)) {
      entries.push(entry);
      if (entry.seq >= lastSeq) break;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    reader.abort();
  }
  return entries;
}
