import type { ClaimedFire, ScheduleStore } from '../../core/schedule-store.js';
import type { SchedulesSettings } from '../contracts/schedules-option.js';
import { FireRefused } from '../schedules/fire-refused.js';
import { nextFireTime } from '../schedules/next-fire-time.js';
import { createPoller } from './poller.js';
import { runIdOfFire } from '../../core/run-ids.js';

/** Fires claimed per round. */
const CLAIM_BATCH = 20;

/** Options of `createScheduleFirer`. */
export interface ScheduleFirerOptions {
  /** The schedules of the open database; undefined while it is not open or keeps none. */
  store: () => ScheduleStore | undefined;
  /** Whether rounds are worth a timer at all (a gateway without a database holds none). */
  polls: () => boolean;
  settings: SchedulesSettings;
  /** Who claims: unique per instance (and per app), recorded in each fire. */
  claimer: string;
  /**
   * Starts a claimed fire's run; resolves once it started (throws `FireRefused` to refuse it).
   * `signal` aborts when the firer closes: a start that waits (a run queued in memory) gives up.
   */
  startFire: (fire: ClaimedFire, signal: AbortSignal) => Promise<void>;
  report: (error: unknown, where: string) => void;
  /** True once the app is closing: nothing more is fired. */
  isClosing: () => boolean;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** The instance's part of firing schedules. */
export interface ScheduleFirer {
  /** Starts the rounds (idempotent). */
  start(): void;
  /** One round now: due fires claimed and started; resolves with the fires it started. */
  round(): Promise<ClaimedFire[]>;
  /**
   * A schedule was created, enabled or re-timed to fire at `dueAt` (ms since the epoch): the
   * next round comes then, not a poll later. Any instance may be told; the claim keeps each
   * fire once.
   */
  wake(dueAt: number): void;
  /** Stops the rounds; waits for the round under way (no fire starts after). Idempotent. */
  close(): Promise<void>;
}

/**
 * Fires due schedules. Each round claims the due fires in the database (`claimDue`: one
 * `schedule_fires` row per schedule and due time, unique, and the schedule's next fire time moved
 * past now, in one transaction, so one instance claims each fire), starts each with `startFire`,
 * and settles it (`fired`). A fire whose run failed to start is given back for a retry
 * (`retryFire`: its claim lapses after `startRetryMs`, doubled per failure) and settled `failed`
 * with the error after `startAttempts` failed starts. A claim left unsettled by an instance
 * that died is taken by another after `claimForMs`, unless its run was recorded. A fire later
 * than `missedAfterMs` (every instance was down) runs once with `catchUp: 'one'` and is
 * settled `skipped` with `'none'`; fires missed meanwhile are never run one by one. A fire late
 * by less (a slow round, a busy instance) is fired, and the cron's next one after it too.
 * A fire whose start throws `FireRefused` is settled `refused`, never retried. A schedule fires
 * at most once per `minIntervalMs`, whatever its cron says (one stored before that bound).
 * Rounds come every `pollIntervalMs`, and sooner when a schedule this instance fired, or one
 * `wake` was told of, is due sooner (a timer to its fire time); the claim in the database keeps
 * that exactly once.
 */
export function createScheduleFirer(options: ScheduleFirerOptions): ScheduleFirer {
  const { settings, claimer, report } = options;
  const now = options.now ?? Date.now;
  /** The earliest next fire time this instance computed in its last round (a claim it made). */
  let nextKnown: number | undefined;
  /** The earliest fire time `wake` was told of that no round has passed yet. */
  let woken: number | undefined;

  const settle = async (
    store: ScheduleStore,
    claim: ClaimedFire,
    status: 'fired' | 'skipped' | 'failed' | 'refused',
    error?: string,
  ): Promise<void> => {
    const fire = { scheduleId: claim.schedule.id, dueAt: claim.dueAt, claimer };
    await store
      .settleFire(fire, { status, at: now(), ...(error === undefined ? {} : { error }) })
      .catch((failure: unknown) => report(failure, `schedule ${claim.schedule.id}`));
  };

  // A start that failed is retried after startRetryMs, doubled each time, by whichever instance
  // claims the fire then (the claim lapses at the retry's time); after startAttempts failed
  // starts the fire is settled `failed` with the last error.
  const failedStart = async (store: ScheduleStore, claim: ClaimedFire, reason: string): Promise<void> => {
    const failedStarts = claim.failedStarts + 1;
    if (failedStarts >= settings.startAttempts) {
      const error = failedStarts === 1 ? reason : `failed to start ${failedStarts} times; last: ${reason}`;
      await settle(store, claim, 'failed', error);
      return;
    }
    const fire = { scheduleId: claim.schedule.id, dueAt: claim.dueAt, claimer };
    const retryAt = now() + settings.startRetryMs * 2 ** (failedStarts - 1);
    await store
      .retryFire(fire, { retryAt, error: reason })
      .catch((failure: unknown) => report(failure, `schedule ${claim.schedule.id}`));
  };

  const runRound = async (signal: AbortSignal): Promise<ClaimedFire[]> => {
    const store = options.store();
    if (store === undefined || signal.aborted || options.isClosing()) return [];
    const at = now();
    nextKnown = undefined;
    if (woken !== undefined && woken <= at) woken = undefined;
    const claimed = await store.claimDue({
      claimer,
      now: at,
      claimForMs: settings.claimForMs,
      limit: CLAIM_BATCH,
      nextAfter: (schedule, time) => {
        // A fire late by less than missedAfterMs is followed by the next one in the cron; one
        // later than that (every instance was down) by the first one after now: catch-up once.
        const due = schedule.nextFireAt ?? time;
        const from = time - due > settings.missedAfterMs ? time : due;
        // Never sooner than minIntervalMs after this fire (a schedule stored before the bound).
        const earliest = Math.max(from, due + settings.minIntervalMs - 1);
        const next = nextFireTime(schedule.cron, schedule.timezone, earliest, schedule.endAt);
        if (next !== null) nextKnown = Math.min(nextKnown ?? next, next);
        return next;
      },
      runIdOf: runIdOfFire,
    });
    const fired: ClaimedFire[] = [];
    for (const claim of claimed) {
      if (settings.catchUp === 'none' && at - claim.dueAt > settings.missedAfterMs) {
        await settle(store, claim, 'skipped');
        continue;
      }
      try {
        await options.startFire(claim, signal);
        fired.push(claim);
        await settle(store, claim, 'fired');
      } catch (error) {
        if (error instanceof FireRefused) {
          await settle(store, claim, 'refused', error.message);
          continue;
        }
        report(error, `schedule ${claim.schedule.id}`);
        await failedStart(store, claim, error instanceof Error ? error.message : String(error));
      }
    }
    return fired;
  };

  // The next round comes at the earliest next fire time this instance claimed a fire for, or
  // after the poll interval if that is sooner: a fire is started when it is due, not up to a
  // poll later, and schedules this instance has not seen are found by the poll.
  const poller = createPoller({
    name: 'schedule round',
    tick: runRound,
    report,
    active: options.polls,
    intervalMs: () => {
      const next = Math.min(nextKnown ?? Number.POSITIVE_INFINITY, woken ?? Number.POSITIVE_INFINITY);
      return Math.min(settings.pollIntervalMs, next - now() + 1);
    },
  });

  return {
    start: () => poller.start(),
    round: async () => (await poller.tickNow()) ?? [],
    wake(dueAt) {
      if (!Number.isFinite(dueAt) || (woken !== undefined && woken <= dueAt)) return;
      woken = dueAt;
      poller.rearm();
    },
    close: () => poller.close(),
  };
}
