/**
 * Runs enqueued (`multitask: 'enqueue'`) while their session's run works, kept in the database
 * so that they outlive the instance that accepted them. The accepting instance holds each one's
 * claim and renews it while it waits for the session; an instance that dies stops renewing, and
 * once the claim lapsed another instance claims the run (one claimer, whoever looks) and starts
 * it when the session is free. A session's queued runs start in the order they were queued:
 * only the oldest of a session is claimable. Times are unix milliseconds; records are copies.
 */

import type { JsonObject, Page, ThreadOwner } from './thread-store.js';

/** One queued run as stored. */
export interface QueuedRunRecord {
  /** The id it was answered with, and will run under. */
  runId: string;
  owner: ThreadOwner;
  sessionId: string;
  threadId: string | null;
  /** The schedule whose fire it is, if any. */
  scheduleId: string | null;
  /** The request as accepted (messages, model, metadata, webhook), for whichever instance starts it. */
  request: JsonObject;
  queuedAt: number;
}

/** How many runs may wait at once: per session, per owner, and request bytes per owner. */
export interface QueueBounds {
  maxPerSession: number;
  maxPerOwner: number;
  /** Bytes of the waiting runs' requests, as JSON text. */
  maxBytesPerOwner: number;
}

/** The bound a refused enqueue met. */
export type QueueBoundReached = keyof QueueBounds;

/** Queued runs in the database. Every method may reject with `store_unavailable`. */
export interface QueuedRunStore {
  /**
   * Records a queued run, its claim held by `claimer` until `now + leaseMs`. With `bounds`, not
   * when its session or owner has as many runs waiting as a bound allows (or its request would
   * take its owner's waiting bytes past `maxBytesPerOwner`): resolves the bound met then, and
   * nothing is stored. Checked and written atomically across instances (serialised per owner).
   */
  enqueue(
    record: QueuedRunRecord,
    claimer: string,
    leaseMs: number,
    now: number,
    bounds?: QueueBounds,
  ): Promise<QueueBoundReached | undefined>;
  /** Extends `claimer`'s claim; false when another instance holds it now, or the run left the queue. */
  renew(runId: string, claimer: string, leaseMs: number, now: number): Promise<boolean>;
  /**
   * Claims for `claimer`, until `now + leaseMs`, up to `limit` queued runs whose claim lapsed,
   * each the oldest of its session, oldest first; each goes to one claimer however many look.
   */
  claimLapsed(claimer: string, leaseMs: number, now: number, limit: number): Promise<QueuedRunRecord[]>;
  /**
   * Takes the run out of the queue once it started (its run record speaks for it from then on);
   * false when `claimer` no longer holds it (another instance took it: that one starts it).
   */
  started(runId: string, claimer: string): Promise<boolean>;
  /**
   * Gives `claimer`'s claim up (its instance closes): the run is claimable at once. A no-op when
   * another instance holds it, or it left the queue.
   */
  release(runId: string, claimer: string): Promise<void>;
  /** The queued runs of a session, in queue order. */
  listForSession(sessionId: string): Promise<QueuedRunRecord[]>;
  /**
   * `owner`'s queued runs (of `filter.threadId` when given), most recently queued first, a page
   * of at most `page.limit`; pass `nextCursor` back as `page.cursor` for the next. A malformed
   * cursor is an `invalid_option` error.
   */
  listForOwner(
    owner: ThreadOwner,
    filter: { threadId?: string },
    page: { limit: number; cursor?: string },
  ): Promise<Page<QueuedRunRecord>>;
  /** `owner`'s queued run `runId`, or undefined (another owner's, started, or never queued). */
  get(owner: ThreadOwner, runId: string): Promise<QueuedRunRecord | undefined>;
  /**
   * Takes `owner`'s run out of the queue whoever holds its claim (`POST /runs/:id/cancel`): the
   * instance waiting with it learns at its next renewal or start that it is gone. False when
   * it is not queued (any more).
   */
  cancel(owner: ThreadOwner, runId: string): Promise<boolean>;
}
