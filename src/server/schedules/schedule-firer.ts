import { createHash } from 'node:crypto';
import type { ClaimedFire, ScheduleStore } from '../../core/schedule-store.js';
import type { SchedulesSettings } from '../contracts/schedules-option.js';
import { nextFireTime } from './next-fire-time.js';

/** Fires claimed per round. */
const CLAIM_BATCH = 20;
/** How long a claim holds before another instance may take the fire (its instance died). */
const CLAIM_FOR_MS = 60_000;

/** Options of `createScheduleFirer`. */
export interface ScheduleFirerOptions {
  /** The schedules of the open database; undefined while it is not open or keeps none. */
  store: () => ScheduleStore | undefined;
  /** Whether rounds are worth a timer at all (a gateway without a database holds none). */
  polls: () => boolean;
  settings: SchedulesSettings;
  /** Who claims: unique per instance (and per app), recorded in each fire. */
  claimer: string;
  /** Starts a claimed fire's run; resolves once it started. */
  startFire: (fire: ClaimedFire) => Promise<void>;
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
  /** Stops the rounds; waits for the round under way. Idempotent. */
  close(): Promise<void>;
}

/**
 * The run id of the fire of `scheduleId` due at `dueAt`: the same on every instance, so a fire
 * taken again after its instance died is known by its run.
 */
export const runIdOfFire = (scheduleId: string, dueAt: number): string =>
  createHash('sha256').update(`${scheduleId}@${dueAt}`).digest('hex').slice(0, 12);

/**
 * Fires due schedules. Each round claims the due fires in the database (`claimDue`: one
 * `schedule_fires` row per schedule and due time, unique, and the schedule's next fire time moved
 * past now, in one transaction, so one instance claims each fire), starts each with `startFire`,
 * and settles it (`fired`, or `failed` with the error). A claim left unsettled by an instance
 * that died is taken by another after `CLAIM_FOR_MS`, unless its run was recorded. A fire later
 * than `missedAfterMs` (every instance was down) runs once with `catchUp: 'one'` and is
 * settled `skipped` with `'none'`; fires missed meanwhile are never run one by one.
 */
export function createScheduleFirer(options: ScheduleFirerOptions): ScheduleFirer {
  const { settings, claimer, report } = options;
  const now = options.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<ClaimedFire[]> | undefined;
  let started = false;
  let closed = false;

  const settle = async (
    store: ScheduleStore,
    claim: ClaimedFire,
    status: 'fired' | 'skipped' | 'failed',
    error?: string,
  ): Promise<void> => {
    const fire = { scheduleId: claim.schedule.id, dueAt: claim.dueAt, claimer };
    await store
      .settleFire(fire, { status, at: now(), ...(error === undefined ? {} : { error }) })
      .catch((failure: unknown) => report(failure, `schedule ${claim.schedule.id}`));
  };

  const runRound = async (): Promise<ClaimedFire[]> => {
    const store = options.store();
    if (store === undefined || closed || options.isClosing()) return [];
    const at = now();
    const claimed = await store.claimDue({
      claimer,
      now: at,
      claimForMs: CLAIM_FOR_MS,
      limit: CLAIM_BATCH,
      nextAfter: (schedule, time) => nextFireTime(schedule.cron, schedule.timezone, time, schedule.endAt),
      runIdOf: runIdOfFire,
    });
    const fired: ClaimedFire[] = [];
    for (const claim of claimed) {
      if (settings.catchUp === 'none' && at - claim.dueAt > settings.missedAfterMs) {
        await settle(store, claim, 'skipped');
        continue;
      }
      try {
        await options.startFire(claim);
        fired.push(claim);
        await settle(store, claim, 'fired');
      } catch (error) {
        report(error, `schedule ${claim.schedule.id}`);
        await settle(store, claim, 'failed', error instanceof Error ? error.message : String(error));
      }
    }
    return fired;
  };

  const round = (): Promise<ClaimedFire[]> => {
    current ??= runRound()
      .catch((error: unknown) => {
        report(error, 'schedule round');
        return [];
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const schedule = (): void => {
    if (closed || !options.polls()) return;
    timer = setTimeout(() => {
      void round().finally(schedule);
    }, settings.pollIntervalMs);
    timer.unref();
  };

  return {
    start() {
      if (started || closed) return;
      started = true;
      schedule();
    },
    round,
    async close() {
      closed = true;
      clearTimeout(timer);
      await current;
    },
  };
}
