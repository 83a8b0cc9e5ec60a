/** Writes taken are dropped from the front in batches of at least this many. */
const COMPACT_AFTER = 1024;

/**
 * What a sink may count as unsent beyond the writes themselves: Node counts the response head
 * and each chunk's size line, a few bytes per write. A write counts as taken once no more than
 * this could still be unsent of it.
 */
const FRAMING_SLACK = 4096;

/**
 * How far a client is behind its stream, not counting the write in flight: the bytes of the
 * writes after the oldest one it has not finished taking. One write (an event, however large,
 * or the catch-up of a resume) is always delivered; the limit applies to what piles up behind
 * it. It keeps the sizes of the writes the client has not wholly taken yet (a few numbers for a
 * client that keeps up; for one that falls behind, no more than the writes that fit in the
 * limit, since it is dropped past it).
 */
export class BacklogMeter {
  private sizes: number[] = [];
  /** Index in `sizes` of the oldest write not wholly taken. */
  private head = 0;
  /** Sum of `sizes[head..]`. */
  private total = 0;

  /** Records a write of `size` (in the unit the sink counts its unsent bytes in). */
  wrote(size: number): void {
    if (size <= 0) return;
    this.sizes.push(size);
    this.total += size;
  }

  /** The backlog behind the write in flight, given the bytes the sink has not sent yet. */
  behind(unsent: number): number {
    // The sink holds the unsent end of the writes: every write that fits entirely before
    // that end was taken by the client.
    const unsentWrites = unsent - FRAMING_SLACK;
    let { head, total } = this;
    let sizes = this.sizes;
    for (
      let oldest = sizes[head];
      oldest !== undefined && total - oldest >= unsentWrites;
      oldest = sizes[head]
    ) {
      total -= oldest;
      head += 1;
    }
    if (head >= COMPACT_AFTER && head * 2 >= sizes.length) {
      sizes = sizes.slice(head);
      head = 0;
      this.sizes = sizes;
    }
    this.head = head;
    this.total = total;
    const inFlight = sizes[head] ?? 0;
    return Math.max(0, Math.min(unsent, total - inFlight));
  }
}
