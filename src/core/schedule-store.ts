/**
 * Schedules: a message sent to the agent on a cron, each fire a background run. Kept in the
 * database, owned like threads, and fired by whichever instance claims the fire: the claim moves
 * the schedule's next fire time on in the same statement that reads it, so a fire is claimed once
 * however many instances look. Times are unix milliseconds; records handed out are copies.
 */

import type { WebhookTarget } from './background-run-store.js';
import type { JsonObject, Page, ThreadOwner } from './thread-store.js';

/** One schedule as stored. */
export interface ScheduleRecord {
  id: string;
  owner: ThreadOwner;
  /** Cron expression (5 or 6 fields), checked by the gateway before it is stored. */
  cron: string;
  /** IANA time zone the cron reads in. */
  timezone: string;
  /** The thread every fire continues; null: none, or a new one each time. */
  threadId: string | null;
  newThreadEachTime: boolean;
  /** The user message each fire sends. */
  message: string;
  metadata: JsonObject;
  webhook?: WebhookTarget;
  enabled: boolean;
  /** No fire at or after this time. */
  endAt: number | null;
  /** The next fire's time; null once the schedule ended or while it is disabled. */
  nextFireAt: number | null;
  lastFiredAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A fire claimed by an instance: the schedule as it was, and the time the fire was due. */
export interface ClaimedFire {
  schedule: ScheduleRecord;
  dueAt: number;
}

/** What may change in a schedule (`PATCH`); `nextFireAt` is the gateway's, from the new cron. */
export type SchedulePatch = Partial<
  Pick<
    ScheduleRecord,
    | 'cron'
    | 'timezone'
    | 'threadId'
    | 'newThreadEachTime'
    | 'message'
    | 'metadata'
    | 'enabled'
    | 'endAt'
    | 'nextFireAt'
  >
>;

/** Schedules in the database. Every method may reject with `store_unavailable`. */
export interface ScheduleStore {
  create(schedule: ScheduleRecord): Promise<void>;
  /** The owner's schedule (another owner's reads as missing). */
  get(owner: ThreadOwner, id: string): Promise<ScheduleRecord | undefined>;
  /** The owner's schedules, newest first. */
  list(owner: ThreadOwner, page: { limit: number; cursor?: string }): Promise<Page<ScheduleRecord>>;
  update(
    owner: ThreadOwner,
    id: string,
    patch: SchedulePatch,
    now: number,
  ): Promise<ScheduleRecord | undefined>;
  delete(owner: ThreadOwner, id: string): Promise<boolean>;
  /**
   * Claims up to `limit` fires due at `now` (enabled schedules whose next fire time has come):
   * each schedule's next fire time becomes `nextAfter(schedule, now)` (null: it ends) in the
   * same transaction, rows locked with `SKIP LOCKED`, so a fire is claimed by one instance only.
   */
  claimDue(
    now: number,
    limit: number,
    nextAfter: (schedule: ScheduleRecord, now: number) => number | null,
  ): Promise<ClaimedFire[]>;
}
