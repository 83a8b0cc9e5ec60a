import { approximateJsonBytes } from '../core/approximate-json-bytes.js';
import type { GatewayEvent, LogEntry } from '../core/events.js';
import { isTerminalEvent } from '../core/events.js';
import { iterateFollowing, type LogFeed, type LogFollower, type StopFollowing } from './log-follower.js';

/** Receives every entry as it is appended. */
export type EventLogListener = (entry: LogEntry) => void;

const closedEvent: GatewayEvent = { type: 'error', error: 'stream closed' };

/** One push subscription (`EventLog.follow`). */
interface Following {
  readonly follower: LogFollower;
  /** Sequence number of the last entry delivered (or skipped as before the reader's position). */
  seq: number;
  /** Inside a delivery loop: a nested append is picked up by that loop, in order. */
  busy: boolean;
  /** Cancelled or ended: nothing more is delivered. */
  done: boolean;
}

/**
 * The append-only event log of one run: entries are numbered 1, 2, 3… and the log finishes
 * with its first terminal event (`stream_complete` or `error`), after which appends are
 * dropped.
 *
 * Readers can start from any sequence number (`entries`, `follow`, `subscribe`), which is what
 * makes streams resumable and lets headless runs collect output. Entries are stored in an array
 * indexed by `seq - firstSeq`, so reading from a sequence number is a slice, not a search.
 * Live readers are pushed each entry on its append (`follow`; `subscribe` is the async-iterable
 * view of it): no promise, generator or abort listener per reader or per entry.
 */
export class EventLog {
  readonly #entries: LogEntry[] = [];
  /**
   * Sequence number before the first entry held here: a run continued from another instance,
   * or entries discarded (`discardOldest`).
   */
  #offset: number;
  /** What a reader from before the held entries gets, once entries were discarded. */
  #discardedNotice: GatewayEvent | undefined;
  // eslint-disable-next-line gateway/churn-collections -- an event log lives as long as its run
  readonly #listeners = new Set<EventLogListener>();
  /** Push subscriptions, fed on every append (and, in a gated log, on every reveal). */
  // eslint-disable-next-line gateway/churn-collections -- an event log lives as long as its run
  readonly #following = new Set<Following>();
  #finished = false;
  /** About how many bytes the held entries take as JSON (`approximateJsonBytes`), kept on append. */
  #bytes = 0;

  /**
   * @param options.afterSeq numbers the first entry `afterSeq + 1` (default 0): a run taken over
   *   from another instance continues the sequence its followers already saw. Entries up to
   *   `afterSeq` are not held here; `firstSeq` tells readers where this log starts.
   */
  constructor(options: { afterSeq?: number } = {}) {
    this.#offset = Math.max(0, Math.floor(options.afterSeq ?? 0));
  }

  /** Whether a terminal event was written or the log was closed. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Sequence number of the first entry this log holds (1 unless it continues another log). */
  get firstSeq(): number {
    return this.#offset + 1;
  }

  /** Push subscriptions (`follow`) currently open: each ended or cancelled one is gone. */
  get followerCount(): number {
    return this.#following.size;
  }

  /** Sequence number of the last entry (`firstSeq - 1` when empty). */
  get lastSeq(): number {
    return this.#offset + this.#entries.length;
  }

  /**
   * Appends an event and returns its sequence number, or `undefined` when the log has already
   * finished (the event is dropped). A terminal event finishes the log.
   */
  append(event: GatewayEvent): number | undefined {
    if (this.#finished) return undefined;
    const entry: LogEntry = { seq: this.#offset + this.#entries.length + 1, event };
    this.#entries.push(entry);
    this.#bytes += approximateJsonBytes(event);
    if (isTerminalEvent(event)) this.#finished = true;
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // An observer (transcript writer, onEvent hook) must never break the run that feeds it.
      }
    }
    if (this.#following.size > 0) this.feedFollowers();
    return entry.seq;
  }

  /**
   * Finishes the log. Appends `{type:'error', error:'stream closed'}` first unless a terminal
   * event was already written, so every stream ends with exactly one terminal event.
   * Idempotent.
   */
  close(): void {
    if (this.#finished) return;
    this.append(closedEvent);
  }

  /** A copy of the held entries with `seq > afterSeq`, in order. */
  entries(afterSeq = 0): LogEntry[] {
    return this.#entries.slice(Math.max(0, afterSeq - this.#offset));
  }

  /**
   * Registers an observer of every later append; returns the function that removes it.
   * A throwing listener is ignored.
   */
  onAppend(listener: EventLogListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Pushes the entries after `afterSeq` to `follower`: those already here before this returns,
   * later ones on their append, each once and in order; ends it (`end()`) after the terminal
   * entry. A throwing `entry` ends that subscription with the error and never reaches the
   * appender. Returns the idempotent cancel, after which the log holds nothing of the follower.
   */
  follow(afterSeq: number, follower: LogFollower): StopFollowing {
    if (this.#discardedNotice !== undefined && afterSeq < this.#offset) {
      return tellDiscarded(follower, { seq: this.lastSeq, event: this.#discardedNotice });
    }
    const following: Following = {
      follower,
      seq: Math.max(Math.floor(afterSeq), this.#offset),
      busy: false,
      done: false,
    };
    this.#following.add(following);
    this.#feed(following);
    return () => {
      following.done = true;
      this.#following.delete(following);
    };
  }

  /**
   * Drops the oldest entries of a finished log until the rest takes about `maxBytes` or less
   * (as JSON, `approximateJsonBytes`), and returns about how many bytes it still holds. From
   * then on a reader asking for entries from before the held ones (`follow`, `feed`,
   * `subscribe`) is pushed `notice` alone, numbered as the last entry, and ended: it learns
   * that events are missing instead of meeting a silent gap. Entries some reader has yet to be
   * pushed (a gated log's hidden ones, a reader behind) are kept, and an unfinished log is only
   * measured: its readers may still need every entry. A log within `maxBytes` costs nothing:
   * its size is kept as entries are appended.
   */
  discardOldest(maxBytes: number, notice: GatewayEvent): number {
    if (this.#bytes <= maxBytes) return this.#bytes;
    // Entries a reader has yet to be pushed (not visible yet, or a reader behind) stay.
    let discardable = Math.min(this.visibleSeq(), this.lastSeq) - this.#offset;
    for (const following of this.#following) {
      discardable = Math.min(discardable, following.seq - this.#offset);
    }
    if (!this.#finished) discardable = 0;
    let kept = 0;
    let firstKept = this.#entries.length;
    for (; firstKept > 0; firstKept -= 1) {
      const entry = this.#entries[firstKept - 1];
      const size = entry === undefined ? 0 : approximateJsonBytes(entry.event);
      if (kept + size > maxBytes && firstKept <= discardable) break;
      kept += size;
    }
    if (firstKept > 0) {
      this.#entries.splice(0, firstKept);
      this.#offset += firstKept;
      this.#discardedNotice = notice;
    }
    this.#bytes = kept;
    return kept;
  }

  /** The push feed of the entries after `afterSeq` (see `follow`), for a stream to consume. */
  feed(afterSeq: number): LogFeed {
    return { follow: (follower) => this.follow(afterSeq, follower) };
  }

  /**
   * Yields the stored entries after `afterSeq`, then live ones, and ends after the terminal
   * entry (an async-iterable view of `follow`). When `signal` aborts the iteration simply ends
   * (no error); an abandoned subscription leaves neither a follower nor an abort listener.
   */
  subscribe(afterSeq = 0, signal?: AbortSignal): AsyncGenerator<LogEntry, void, undefined> {
    return iterateFollowing((follower) => this.follow(afterSeq, follower), signal);
  }

  /**
   * Sequence number of the last entry readers may see: every entry here; a gated log (see
   * `ChatRunEventLog`) says less, and calls `feedFollowers` when it lets them see more.
   */
  protected visibleSeq(): number {
    return this.lastSeq;
  }

  /** Sequence number after which readers end, or undefined while more may come. */
  protected endSeq(): number | undefined {
    return this.#finished ? this.lastSeq : undefined;
  }

  /** Delivers to every follower what it may see now, and ends those that reached the end. */
  protected feedFollowers(): void {
    for (const following of this.#following) this.#feed(following);
  }

  #feed(following: Following): void {
    if (following.busy || following.done) return;
    following.busy = true;
    let failed = false;
    let failure: unknown;
    try {
      // Re-read the bound each time round: an entry callback may append (or reveal) more.
      while (following.seq < Math.min(this.visibleSeq(), this.lastSeq)) {
        const entry = this.#entries[following.seq - this.#offset];
        if (entry === undefined) break;
        following.seq = entry.seq;
        following.follower.entry(entry);
        if (following.done) return;
      }
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      following.busy = false;
    }
    const end = this.endSeq();
    if (!failed && (end === undefined || following.seq < end)) return;
    following.done = true;
    this.#following.delete(following);
    try {
      if (failed) following.follower.end(failure);
      else following.follower.end();
    } catch {
      // The reader's own end failing is the reader's business, never the appender's.
    }
  }
}

/** Pushes the one entry that says a reader's position is gone, then ends the reader. */
function tellDiscarded(follower: LogFollower, notice: LogEntry): StopFollowing {
  try {
    follower.entry(notice);
  } catch (error) {
    try {
      follower.end(error);
    } catch {
      // The reader's own end failing is the reader's business.
    }
    return () => undefined;
  }
  try {
    follower.end();
  } catch {
    // As above.
  }
  return () => undefined;
}
