import { ChangeWaiters } from './change-waiters.js';
import type { GatewayEvent, LogEntry } from '../core/events.js';
import { isTerminalEvent } from '../core/events.js';

/** Receives every entry as it is appended. */
export type EventLogListener = (entry: LogEntry) => void;

const closedEvent: GatewayEvent = { type: 'error', error: 'stream closed' };

/**
 * The append-only event log of one run: entries are numbered 1, 2, 3… and the log finishes
 * with its first terminal event (`stream_complete` or `error`), after which appends are
 * dropped.
 *
 * Readers can start from any sequence number (`entries`, `subscribe`), which is what makes
 * streams resumable and lets headless runs collect output. Entries are stored in an array
 * indexed by `seq - firstSeq`, so reading from a sequence number is a slice, not a search.
 */
export class EventLog {
  readonly #entries: LogEntry[] = [];
  /** Sequence number before the first entry held here (a run continued from another instance). */
  readonly #offset: number;
  readonly #listeners = new Set<EventLogListener>();
  /** Wake-up callbacks of subscribers waiting for the next entry. */
  readonly #waiters = new ChangeWaiters();
  #finished = false;

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
    if (isTerminalEvent(event)) this.#finished = true;
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // An observer (transcript writer, onEvent hook) must never break the run that feeds it.
      }
    }
    this.#waiters.wakeAll();
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
   * Yields the stored entries after `afterSeq`, then live ones, and ends after the terminal
   * entry. When `signal` aborts the iteration simply ends (no error); a waiting subscriber
   * removes its wake-up callback and its abort listener, so abandoned subscriptions leak
   * nothing.
   */
  async *subscribe(afterSeq = 0, signal?: AbortSignal): AsyncGenerator<LogEntry, void, undefined> {
    let nextIndex = Math.max(0, afterSeq - this.#offset);
    // One abort listener for the whole subscription, not one per wait (per delta).
    const reader = this.#waiters.reader(signal);
    try {
      while (signal?.aborted !== true) {
        const entry = this.#entries[nextIndex];
        if (entry !== undefined) {
          nextIndex += 1;
          yield entry;
          continue;
        }
        if (this.#finished) return;
        await reader.next();
      }
    } finally {
      reader.close();
    }
  }
}
