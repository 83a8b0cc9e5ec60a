import { ChangeWaiters } from '../../agent/change-waiters.js';
import { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent, LogEntry } from '../../core/events.js';

/**
 * The event log of a chat run served by the gateway: a plain `EventLog` (the runner appends to
 * it) plus what running among several instances needs, so the agent layer knows nothing of it.
 *
 * - A gate (`holdBack`, `reveal`, `revealAll`): readers see an entry only once it is durable in
 *   the shared store, so what a client saw is always what another instance can continue from.
 * - An end without a terminal event (`abandon`): the run goes on elsewhere, so readers stop at
 *   what they could see, as if the connection dropped, and reconnect to the run's new owner.
 *   Nothing more is appended after it (an aborted tool's `cancelled` result would mislead).
 */
export class ChatRunEventLog extends EventLog {
  #abandoned = false;
  /** Readers see entries up to this seq (all, unless `holdBack()` gated them). */
  #visibleSeq = Number.POSITIVE_INFINITY;
  /** Wake-up callbacks of readers waiting for a reveal or the abandonment. */
  readonly #waiters = new ChangeWaiters();
  /** One per reader waiting on the underlying log: aborted when the log is abandoned. */
  readonly #readers = new Set<AbortController>();

  /** Whether a terminal event was written or the log was closed or abandoned. */
  override get finished(): boolean {
    return super.finished || this.#abandoned;
  }

  /** Whether the log ended without a terminal event because the run goes on elsewhere. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** Like `EventLog.append`; also drops the event once the log was abandoned. */
  override append(event: GatewayEvent): number | undefined {
    if (this.#abandoned) return undefined;
    return super.append(event);
  }

  /**
   * Finishes the log without a terminal event: readers get what they may see, then end, so
   * clients reconnect (with `Last-Event-ID`) to wherever the run goes on. A no-op once the log
   * finished.
   */
  abandon(): void {
    if (this.finished) return;
    this.#abandoned = true;
    for (const reader of this.#readers) reader.abort();
    this.#waiters.wakeAll();
  }

  /**
   * Gates readers (`subscribe`): from now on they see an entry only once `reveal` covered its
   * seq. Used when entries must be durable elsewhere (a shared store) before anyone sees them.
   */
  holdBack(): void {
    if (this.#visibleSeq === Number.POSITIVE_INFINITY) this.#visibleSeq = this.lastSeq;
  }

  /** Lets readers see entries up to `seq`. */
  reveal(seq: number): void {
    if (seq <= this.#visibleSeq) return;
    this.#visibleSeq = seq;
    this.#waiters.wakeAll();
  }

  /** Lifts the gate for good (the shared store is gone); a no-op on an abandoned log. */
  revealAll(): void {
    if (!this.#abandoned) this.reveal(Number.POSITIVE_INFINITY);
  }

  /**
   * Like `EventLog.subscribe`, through the gate: an entry is yielded once revealed. Readers of
   * an abandoned log end at the last entry they may see, without a terminal event.
   */
  override async *subscribe(afterSeq = 0, signal?: AbortSignal): AsyncGenerator<LogEntry, void, undefined> {
    /** Sequence number of the last entry handed out (or skipped as before this log). */
    let seq = Math.max(afterSeq, this.firstSeq - 1);
    const reader = new AbortController();
    const stop = (): void => reader.abort();
    const aborted = (): boolean => signal?.aborted === true;
    signal?.addEventListener('abort', stop, { once: true });
    this.#readers.add(reader);
    if (aborted() || this.#abandoned) reader.abort();
    const entries = super.subscribe(afterSeq, reader.signal);
    try {
      // The underlying log does not know of the abandonment: `reader` ends its wait for an append.
      for (let next = await entries.next(); !next.done; next = await entries.next()) {
        const entry = next.value;
        if (entry.seq > this.#visibleSeq && !(await this.#visible(entry.seq, signal))) return;
        seq = entry.seq;
        yield entry;
      }
      if (!this.#abandoned || aborted()) return;
      // Abandoned while this reader was behind: what it may still see is in the log.
      for (const entry of this.entries(seq)) {
        if (entry.seq > this.#visibleSeq || aborted()) return;
        yield entry;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      this.#readers.delete(reader);
      await entries.return();
    }
  }

  /** Waits until `seq` is revealed; false when the log was abandoned or `signal` aborted first. */
  async #visible(seq: number, signal: AbortSignal | undefined): Promise<boolean> {
    while (seq > this.#visibleSeq) {
      if (this.#abandoned || signal?.aborted === true) return false;
      await this.#waiters.next(signal);
    }
    return signal?.aborted !== true;
  }
}
