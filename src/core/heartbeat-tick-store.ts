/**
 * The ticks of a heartbeat shared by a cluster: every instance runs the same `HeartbeatLoop`
 * (same name, same database), and each tick is claimed in the database before it runs, so the
 * cluster ticks once per interval, not once per process. The claim is an insert of the next tick
 * number (unique per name): two instances that try at once, one wins. Times are unix milliseconds.
 */

/** A heartbeat's latest tick, as the cluster knows it. */
export interface HeartbeatTickRecord {
  name: string;
  tick: number;
  claimedBy: string;
  claimedAt: number;
  /** Past this, an unfinished tick's instance is taken for dead. */
  claimUntil: number;
  finishedAt: number | null;
  outcome: string | null;
  /** Errors in a row up to and including this tick (the backoff's step). */
  consecutiveErrors: number;
  /** When the next tick is due; null while this one runs. */
  nextDueAt: number | null;
}

/** What a claim got: the tick to run, or when to look again. */
export type HeartbeatClaim =
  { claimed: true; tick: number; consecutiveErrors: number } | { claimed: false; lookAgainAt: number };

/** Heartbeat ticks in the database. Every method may reject with `store_unavailable`. */
export interface HeartbeatTickStore {
  /**
   * Claims the next tick of `name` for `claimer` when it is due at `now` (no tick yet, the last
   * one finished and its next one is due, or the last one's claim lapsed unfinished: its
   * instance died), until `now + claimForMs`. At most one instance claims each tick number.
   */
  claim(name: string, claimer: string, now: number, claimForMs: number): Promise<HeartbeatClaim>;
  /** Extends a running tick's claim to `until`; false when `claimer` no longer holds it. */
  renew(name: string, tick: number, claimer: string, until: number): Promise<boolean>;
  /**
   * Records the end of a claimed tick: its outcome, the error streak and when the next is due.
   * Ignored (false) when `claimer` no longer holds it.
   */
  finish(
    name: string,
    tick: number,
    claimer: string,
    end: { at: number; outcome: string; consecutiveErrors: number; nextDueAt: number },
  ): Promise<boolean>;
  /** The latest ticks of `name`, newest first. */
  list(name: string, limit: number): Promise<HeartbeatTickRecord[]>;
}
