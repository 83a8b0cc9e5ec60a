import type { BackgroundRunStore, StandaloneNotice } from '../../core/background-run-store.js';
import type { QueuedRunStore } from '../../core/queued-run-store.js';
import type { ScheduleStore } from '../../core/schedule-store.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { createPollGate, writing, type PollGate } from './poll-gate.js';
import type { SqlQueryable } from './sql-engine.js';

/** The stores whose methods pollers call every few seconds. */
export interface PolledStores {
  backgroundRuns: BackgroundRunStore;
  schedules: ScheduleStore;
  queuedRuns: QueuedRunStore;
  suspendedRuns: SuspendedRunStore;
}

/**
 * What each poller may act on, now or when its time comes: a background run with a webhook not
 * yet notified of its end (its approval requests included) or an undelivered notification; an
 * enabled schedule with a next fire, or a fire not settled; any queued run; any suspended run.
 */
const WORK_LEFT = {
  webhooks: `SELECT EXISTS (SELECT 1 FROM background_runs WHERE webhook_url IS NOT NULL AND notified_at IS NULL)
    OR EXISTS (SELECT 1 FROM webhook_outbox WHERE delivered_at IS NULL AND given_up_at IS NULL) AS left`,
  schedules: `SELECT EXISTS (SELECT 1 FROM schedules WHERE enabled AND next_fire_at IS NOT NULL)
    OR EXISTS (SELECT 1 FROM schedule_fires WHERE fired_at IS NULL) AS left`,
  queuedRuns: 'SELECT EXISTS (SELECT 1 FROM queued_runs) AS left',
  suspendedRuns: 'SELECT EXISTS (SELECT 1 FROM suspended_runs) AS left',
} as const;

/**
 * `stores` for a database this process alone writes (the embedded engine): their pollers' reads
 * skip the database while it holds nothing for them, and the writes that can give them work
 * (a background run recorded, a schedule created or changed, a run queued or suspended) open
 * their gate again (`createPollGate`). Idle, the gateway then sends its database one statement
 * a minute per poller instead of about ten a second in all. Everything else passes through.
 */
export function quietPolls(stores: PolledStores, engine: SqlQueryable): PolledStores {
  const gateOf = (kind: keyof typeof WORK_LEFT): PollGate =>
    createPollGate({
      anyLeft: async () => {
        const found = await engine.query<{ left: boolean }>(WORK_LEFT[kind], [], `work_left_${kind}`);
        return found.rows[0]?.left !== false;
      },
    });
  const webhooks = gateOf('webhooks');
  const schedules = gateOf('schedules');
  const queued = gateOf('queuedRuns');
  const suspended = gateOf('suspendedRuns');
  const { backgroundRuns, schedules: scheduleStore, queuedRuns, suspendedRuns } = stores;
  const noneFound = <Item>(found: readonly Item[]): boolean => found.length === 0;
  const enqueueNotice = backgroundRuns.enqueueNotice?.bind(backgroundRuns);
  return {
    backgroundRuns: {
      ...backgroundRuns,
      record: (run) => writing(webhooks, () => backgroundRuns.record(run)),
      ...(enqueueNotice === undefined
        ? {}
        : { enqueueNotice: (notice: StandaloneNotice) => writing(webhooks, () => enqueueNotice(notice)) }),
      enqueueEnded: async (...args) => (webhooks.passes() ? backgroundRuns.enqueueEnded(...args) : 0),
      enqueueApprovalRequests: async (...args) =>
        webhooks.passes() ? backgroundRuns.enqueueApprovalRequests(...args) : 0,
      // The last poll of the sender's round.
      claimDue: lastPoll(webhooks, backgroundRuns.claimDue.bind(backgroundRuns), noneFound, () => []),
    },
    schedules: {
      ...scheduleStore,
      create: (schedule) => writing(schedules, () => scheduleStore.create(schedule)),
      // What `POST /schedules` writes through: a new schedule must open the gate as `create` does.
      createWithin: (...args) => writing(schedules, () => scheduleStore.createWithin(...args)),
      update: (...args) => writing(schedules, () => scheduleStore.update(...args)),
      claimDue: lastPoll(schedules, scheduleStore.claimDue.bind(scheduleStore), noneFound, () => []),
    },
    queuedRuns: {
      ...queuedRuns,
      enqueue: (...args) => writing(queued, () => queuedRuns.enqueue(...args)),
      claimLapsed: lastPoll(queued, queuedRuns.claimLapsed.bind(queuedRuns), noneFound, () => []),
    },
    suspendedRuns: {
      ...suspendedRuns,
      suspend: (...args) => writing(suspended, () => suspendedRuns.suspend(...args)),
      purgeResumed: async (now) => (suspended.passes() ? suspendedRuns.purgeResumed(now) : 0),
      // The last poll of the scan.
      due: lastPoll(
        suspended,
        suspendedRuns.due.bind(suspendedRuns),
        (due) => due.resumable.length === 0 && due.expired.length === 0,
        () => ({ resumable: [], expired: [] }),
      ),
    },
  };
}

/**
 * `poll`, the last of a poller's round: answers `nothing()` without a statement while `gate` is
 * closed, and tells the gate whether the round found anything (`isEmpty`).
 */
function lastPoll<Args extends unknown[], Found>(
  gate: PollGate,
  poll: (...args: Args) => Promise<Found>,
  isEmpty: (found: Found) => boolean,
  nothing: () => Found,
): (...args: Args) => Promise<Found> {
  return async (...args) => {
    if (!gate.passes()) return nothing();
    const found = await poll(...args);
    await gate.polled(isEmpty(found));
    return found;
  };
}
