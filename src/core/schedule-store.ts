/**
 * Schedules: a message sent to the agent on a cron, each fire a background run. Kept in the
 * database, owned like threads, and fired by whichever instance claims the fire: the claim moves
 * the schedule's next fire time on in the same statement that reads it, so a fire is claimed once
 * however many instances look. Times are unix milliseconds; records handed out are copies.
 */

import type { WebhookTarget } from './background-run-store.js';
import type { SessionPrincipal } from './principal.js';
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
  /**
   * The principal that created the schedule, as its session carried it (refreshed when its
   * owner calls the schedule routes again): each fire acts as it. Absent for an API-key session.
   */
  principal?: SessionPrincipal;
  /**
   * When the owner stops being reachable (unix ms): the expiry of the anonymous session that owns
   * the schedule (owner `session:<id>`), after which no client can list, change or delete it.
   * A schedule due past it is paused (disabled), never fired. Absent for an owner that can
   * always come back (an asserted user, a signed-in principal).
   */
  ownerExpiresAt?: number;
}

/**
 * A fire claimed by an instance: the schedule as it was, the time the fire was due, and the run
 * id it starts under (derived from the schedule and the due time, so a fire taken again after
 * its instance died is recognised by its run). `retaken`: an earlier claimer's claim lapsed
 * before it recorded the fire as started.
 */
export interface ClaimedFire {
  schedule: ScheduleRecord;
  dueAt: number;
  runId: string;
  retaken: boolean;
  /** How many times the fire's run failed to start before this claim (0 on a first claim). */
  failedStarts: number;
  /**
   * Set on a retaken fire whose run was recorded (its `runs` row, with the thread it runs in)
   * but not its background run: the earlier claimer died between the two writes. The taker
   * records the background run of that run and starts nothing, so the fire ends in exactly one
   * background run.
   */
  recordedRun?: { threadId: string | null };
}

/**
 * What became of a fire: claimed (an instance holds it, or it waits for a retry of its start),
 * started as a run, skipped (`catchUp: 'none'`), failed to start as often as allowed, or refused
 * (`server.authorize` refused its principal `run.start`).
 */
export type ScheduleFireStatus = 'claimed' | 'fired' | 'skipped' | 'failed' | 'refused';

/** One fire of a schedule as recorded: one row per (schedule, due time), claimed once. */
export interface ScheduleFireRecord {
  scheduleId: string;
  dueAt: number;
  /** The instance (its claimer id) that holds or held the claim. */
  claimedBy: string;
  claimedAt: number;
  runId: string;
  /** When the run started (or the fire was skipped or failed); null while claimed. */
  firedAt: number | null;
  status: ScheduleFireStatus;
  /** Why it failed; while it waits for a retry (`claimed`), why its last start failed. */
  error: string | null;
  /** How many times its run failed to start. */
  failedStarts: number;
}

/** How `claimDue` claims: who, when, for how long, how many, and each schedule's next time. */
export interface ClaimFiresRequest {
  claimer: string;
  now: number;
  /** A claim not settled within this many ms may be taken by another instance. */
  claimForMs: number;
  limit: number;
  nextAfter: (schedule: ScheduleRecord, now: number) => number | null;
  runIdOf: (scheduleId: string, dueAt: number) => string;
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
  /**
   * Stores the schedule like `create` unless its owner keeps `maxPerOwner` schedules already;
   * false then, and nothing is stored. Atomic across instances (serialised per owner).
   */
  createWithin(schedule: ScheduleRecord, maxPerOwner: number): Promise<boolean>;
  /**
   * Stores `principal` (and `ownerExpiresAt`, undefined: none) as what the owner's schedules
   * act as, where it differs from what they keep and was issued no earlier than the principal
   * they keep (`SessionPrincipal.issuedAt`, none counting as earliest): the owner authenticated
   * again. An older token never writes its rights back over a newer one's.
   */
  refreshPrincipal(
    owner: ThreadOwner,
    principal: SessionPrincipal | undefined,
    ownerExpiresAt: number | undefined,
  ): Promise<void>;
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
   * Claims up to `limit` fires due at `now` (enabled schedules whose next fire time has come;
   * one whose `ownerExpiresAt` passed is paused instead: disabled, no fire recorded):
   * each becomes a `schedule_fires` row, unique on (schedule, due time), and the schedule's next
   * fire time becomes `nextAfter(schedule, now)` (null: it ends), in one transaction with the
   * rows locked `SKIP LOCKED`, so a fire is claimed by one instance only. Fires whose claim
   * lapsed unsettled (their instance died) are claimed again (`retaken`), unless their
   * background run was recorded: those are settled as fired. One whose run was recorded without
   * its background run comes back with `recordedRun`.
   */
  claimDue(request: ClaimFiresRequest): Promise<ClaimedFire[]>;
  /** Records what became of a claimed fire; ignored unless `claimer` still holds the claim. */
  settleFire(
    fire: { scheduleId: string; dueAt: number; claimer: string },
    outcome: { status: Exclude<ScheduleFireStatus, 'claimed'>; at: number; error?: string },
  ): Promise<boolean>;
  /**
   * Gives back a claimed fire whose run failed to start, for a retry: its failed starts counted,
   * `error` kept, and its claim lapsing at `retryAt`, when any instance may claim it again (as it
   * claims a fire whose instance died). Ignored unless `claimer` still holds the claim; resolves
   * whether it did.
   */
  retryFire(
    fire: { scheduleId: string; dueAt: number; claimer: string },
    retry: { retryAt: number; error: string },
  ): Promise<boolean>;
  /** The fires of the owner's schedule, latest due first; undefined when it has no such schedule. */
  listFires(
    owner: ThreadOwner,
    scheduleId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<ScheduleFireRecord> | undefined>;
}
