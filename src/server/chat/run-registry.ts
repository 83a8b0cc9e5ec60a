import { streamTruncatedEvent } from '../../core/stream-truncated.js';
import type { ChatRun } from './chat-run.js';
import { serverDefaults } from '../contracts/server-spec.js';
import { ChurnMap } from '../../core/churn-map.js';

/** Options of `createRunRegistry`. */
export interface RunRegistryOptions {
  /**
   * How long a run keeps going after its last follower disconnected, waiting for a client to
   * re-attach, in ms (`server.disconnectGraceMs`). 0 cancels at once.
   */
  disconnectGraceMs?: number;
  /** How long a finished run stays available for `GET /chat/stream`, in ms (`server.streamRetentionMs`). */
  retentionMs?: number;
  /**
   * Bytes of events (as JSON, about) one finished run keeps for replays
   * (`server.maxRetainedBytesPerRun`): the oldest are dropped beyond it.
   */
  maxRetainedBytesPerRun?: number;
  /**
   * Bytes of events the finished runs of this instance keep together (`server.maxRetainedBytes`):
   * beyond it the runs that finished first lose their oldest events first.
   */
  maxRetainedBytes?: number;
  /** Clock in milliseconds since the epoch; `Date.now` unless given. */
  now?: () => number;
  /** Called with every run registered (metrics follow runs from here). */
  onAdd?: (run: ChatRun) => void;
}

/**
 * The runs of one gateway instance, by session: the active one and, for `retentionMs` after it
 * ended, the most recent one. It counts each run's followers (open SSE responses) and applies
 * the disconnect policy when the last one leaves.
 */
export interface RunRegistry {
  /** Registers a started run as its session's active run. */
  add(run: ChatRun): void;
  /** The session's active run. */
  active(sessionId: string): ChatRun | undefined;
  /** The session's active run, else its most recent run still retained. */
  latest(sessionId: string): ChatRun | undefined;
  /** Every active run (for draining on close). */
  activeRuns(): ChatRun[];
  /** How many runs are active. */
  activeCount(): number;
  /** Followers of the active runs, those attached through other instances included. */
  followerCount(): number;
  /**
   * Adds a follower to a run; returns the idempotent function that removes it. When the last
   * follower of an unfinished run leaves, the grace period starts; a new follower stops it.
   */
  follow(run: ChatRun): () => void;
  /** Clears every timer and forgets every run; idempotent. */
  close(): void;
}

/** A run the registry holds (a class, not a literal: see `ChurnMap`). */
class Entry {
  followers = 0;
  graceTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When the run ended (ms since the epoch); set once it is in `recentBySession`. */
  finishedAt: number | undefined = undefined;
  /** About how many bytes of events the finished run still holds (counted in `retainedBytes`). */
  retainedBytes = 0;

  constructor(readonly run: ChatRun) {}
}

/**
 * Creates the in-memory run registry of one gateway instance. Finished runs expire lazily (on
 * the next registry call after `retentionMs`), so retention holds no timers. What finished runs
 * hold is bounded by bytes too: each run keeps at most `maxRetainedBytesPerRun` of its newest
 * events, and past `maxRetainedBytes` for all of them the runs that finished first give up their
 * oldest events first. A reader resuming from a dropped part gets a terminal `stream_truncated`
 * error instead of a gap (`EventLog.discardOldest`).
 */
export function createRunRegistry(options: RunRegistryOptions = {}): RunRegistry {
  const graceMs = options.disconnectGraceMs ?? serverDefaults.disconnectGraceMs;
  const retentionMs = options.retentionMs ?? serverDefaults.streamRetentionMs;
  const now = options.now ?? Date.now;
  const maxPerRun = options.maxRetainedBytesPerRun ?? serverDefaults.maxRetainedBytesPerRun;
  const maxTotal = options.maxRetainedBytes ?? serverDefaults.maxRetainedBytes;
  /** Sum of `retainedBytes` over `recentBySession`. */
  let retainedBytes = 0;
  // Churn maps, not Maps: a run per chat comes and goes through each (see `ChurnMap`).
  const activeBySession = new ChurnMap<string, Entry>();
  /** Finished runs in the order they finished (oldest first), one per session. */
  const recentBySession = new ChurnMap<string, Entry>();
  /** By run id. */
  const entries = new ChurnMap<string, Entry>();
  let closed = false;

  const forget = (entry: Entry): void => {
    clearTimeout(entry.graceTimer);
    if (entries.get(entry.run.runId) === entry) entries.delete(entry.run.runId);
    if (recentBySession.get(entry.run.sessionId) === entry) {
      recentBySession.delete(entry.run.sessionId);
      retainedBytes -= entry.retainedBytes;
      entry.retainedBytes = 0;
    }
  };

  /** Trims the runs that finished first until all finished runs fit in `maxTotal`. */
  const fitTotal = (): void => {
    for (const entry of recentBySession.values()) {
      if (retainedBytes <= maxTotal) return;
      const budget = Math.max(0, entry.retainedBytes - (retainedBytes - maxTotal));
      const kept = entry.run.eventLog.discardOldest(budget, streamTruncatedEvent());
      retainedBytes -= entry.retainedBytes - kept;
      entry.retainedBytes = kept;
    }
  };

  const expireOld = (): void => {
    const cutoff = now() - retentionMs;
    for (const entry of recentBySession.values()) {
      if ((entry.finishedAt ?? 0) > cutoff) break;
      forget(entry);
    }
  };

  const finish = (entry: Entry): void => {
    clearTimeout(entry.graceTimer);
    entry.graceTimer = undefined;
    const { sessionId } = entry.run;
    if (activeBySession.get(sessionId) === entry) activeBySession.delete(sessionId);
    const previous = recentBySession.get(sessionId);
    if (previous !== undefined) forget(previous);
    if (closed) return forget(entry);
    entry.finishedAt = now();
    entry.retainedBytes = entry.run.eventLog.discardOldest(maxPerRun, streamTruncatedEvent());
    retainedBytes += entry.retainedBytes;
    recentBySession.set(sessionId, entry);
    expireOld();
    fitTotal();
  };

  const startGrace = (entry: Entry): void => {
    if (entry.run.eventLog.finished) return;
    if (graceMs === 0) return entry.run.abort('cancelled: the client disconnected');
    entry.graceTimer = setTimeout(() => {
      entry.graceTimer = undefined;
      entry.run.abort(`cancelled: no client re-attached within ${graceMs / 1000}s`);
    }, graceMs);
    entry.graceTimer.unref();
  };

  return {
    add(run) {
      expireOld();
      const entry = new Entry(run);
      entries.set(run.runId, entry);
      activeBySession.set(run.sessionId, entry);
      run.onDone(() => finish(entry));
      options.onAdd?.(run);
    },
    active(sessionId) {
      return activeBySession.get(sessionId)?.run;
    },
    latest(sessionId) {
      expireOld();
      return (activeBySession.get(sessionId) ?? recentBySession.get(sessionId))?.run;
    },
    activeRuns() {
      return [...activeBySession.values()].map((entry) => entry.run);
    },
    activeCount() {
      return activeBySession.size;
    },
    followerCount() {
      let total = 0;
      for (const entry of activeBySession.values()) total += entry.followers;
      return total;
    },
    follow(run) {
      const entry = entries.get(run.runId);
      if (entry?.run !== run) return () => undefined;
      entry.followers += 1;
      clearTimeout(entry.graceTimer);
      entry.graceTimer = undefined;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        entry.followers -= 1;
        if (entry.followers === 0) startGrace(entry);
      };
    },
    close() {
      closed = true;
      for (const entry of entries.values()) clearTimeout(entry.graceTimer);
      recentBySession.clear();
      retainedBytes = 0;
    },
  };
}
