import { randomBytes, randomUUID } from 'node:crypto';
import type { ClaimedFire } from '../../core/schedule-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { startBackgroundRun } from '../runs/start-background-run.js';
import { nextFireTime } from './next-fire-time.js';
import type { SchedulesSettings } from '../contracts/schedules-option.js';

/** Fires claimed per round. */
const CLAIM_BATCH = 20;
/** How long the session of a fire lives, in seconds (its approvals are answered within it). */
const FIRE_SESSION_SECONDS = 86_400;

/** Options of `createScheduleFirer`. */
export interface ScheduleFirerOptions {
  context: ProtocolRouteContext;
  settings: SchedulesSettings;
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
 * Fires due schedules as background runs. Each round claims the due fires in the database (the
 * claim moves each schedule's next fire time past now, atomically, so one instance fires each
 * fire), then starts each as a background run in a session of its own, owned by the schedule's
 * owner, continuing its thread (or a new one each time). A fire later than `missedAfterMs` (all
 * instances were down) runs once with `catchUp: 'one'` and is skipped with `'none'`; fires
 * missed meanwhile are never run one by one.
 */
export function createScheduleFirer(options: ScheduleFirerOptions): ScheduleFirer {
  const { context, settings } = options;
  const now = options.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<ClaimedFire[]> | undefined;
  let started = false;
  let closed = false;

  const fire = async ({ schedule }: ClaimedFire): Promise<void> => {
    const createdAt = Math.floor(now() / 1000);
    const session: SessionRecord = {
      sessionId: `sess_${randomUUID().replaceAll('-', '')}`,
      apiKeyHash: schedule.owner.apiKeyHash,
      ...(schedule.owner.user === undefined ? {} : { user: schedule.owner.user }),
      createdAt,
      expiresAt: createdAt + FIRE_SESSION_SECONDS,
      approvedToolTypes: [],
    };
    await context.stores.sessions.create(session);
    const threadId =
      schedule.threadId ??
      (schedule.newThreadEachTime ? `thr_${randomBytes(16).toString('hex')}` : undefined);
    await startBackgroundRun({
      context,
      session,
      scheduleId: schedule.id,
      request: {
        ...(threadId === undefined ? {} : { threadId }),
        messages: [{ role: 'user', content: schedule.message }],
        context: { channel: 'schedule' },
        metadata: schedule.metadata,
        ...(schedule.webhook === undefined ? {} : { webhook: schedule.webhook }),
      },
    });
  };

  const runRound = async (): Promise<ClaimedFire[]> => {
    const store = context.config.threads?.current()?.schedules;
    if (store === undefined || closed || options.isClosing()) return [];
    const at = now();
    const claimed = await store.claimDue(at, CLAIM_BATCH, (schedule, time) =>
      nextFireTime(schedule.cron, schedule.timezone, time, schedule.endAt),
    );
    const fired: ClaimedFire[] = [];
    for (const claim of claimed) {
      if (settings.catchUp === 'none' && at - claim.dueAt > settings.missedAfterMs) continue;
      try {
        await fire(claim);
        fired.push(claim);
      } catch (error) {
        context.report(error, `schedule ${claim.schedule.id}`);
      }
    }
    return fired;
  };

  const round = (): Promise<ClaimedFire[]> => {
    current ??= runRound()
      .catch((error: unknown) => {
        context.report(error, 'schedule round');
        return [];
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const schedule = (): void => {
    if (closed) return;
    // Nothing to fire without a database, or once the open one keeps no schedules (memory).
    const database = context.config.database;
    if (database === undefined || database === false) return;
    const open = context.config.threads?.current();
    if (open !== undefined && open.schedules === undefined) return;
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
