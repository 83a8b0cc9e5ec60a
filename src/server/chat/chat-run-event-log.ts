import { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent } from '../../core/events.js';

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

  /** Whether a terminal event was written or the log was closed or abandoned. */
  override get finished(): boolean {
    return super.finished || this.#abandoned;
  }

  /** Whether the log ended without a terminal event because the run goes on elsewhere. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** The last seq readers may see (all of them, unless gated): where an abandoned log's readers end. */
  get lastVisibleSeq(): number {
    return this.visibleSeq();
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
    this.feedFollowers();
  }

  /**
   * Gates readers (`follow`, `subscribe`): from now on they see an entry only once `reveal` covered its
   * seq. Used when entries must be durable elsewhere (a shared store) before anyone sees them.
   */
  holdBack(): void {
    if (this.#visibleSeq === Number.POSITIVE_INFINITY) this.#visibleSeq = this.lastSeq;
  }

  /** Lets readers see entries up to `seq`. */
  reveal(seq: number): void {
    if (seq <= this.#visibleSeq) return;
    this.#visibleSeq = seq;
    this.feedFollowers();
  }

  /** Lifts the gate for good (the shared store is gone); a no-op on an abandoned log. */
  revealAll(): void {
    if (!this.#abandoned) this.reveal(Number.POSITIVE_INFINITY);
  }

  /** Readers see an entry only once revealed. */
  protected override visibleSeq(): number {
    return Math.min(this.#visibleSeq, this.lastSeq);
  }

  /** Readers of an abandoned log end at the last entry they may see, without a terminal event. */
  protected override endSeq(): number | undefined {
    return this.#abandoned ? this.visibleSeq() : super.endSeq();
  }
}
