import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackgroundRunStore } from '../../core/background-run-store.js';
import type { JsonObject } from '../../core/thread-store.js';
import type { SoftThresholdCrossing } from '../../budgets/create-budget-gate.js';
import { BUDGET_THRESHOLD_EVENT, type WebhooksSettings } from '../contracts/webhooks-option.js';

/** Options of `createBudgetThresholdNotices`. */
export interface BudgetThresholdNoticesOptions {
  settings: WebhooksSettings;
  /** The store of the moment (undefined while the database is not open, or without one). */
  store: () => Pick<BackgroundRunStore, 'enqueueNotice'> | undefined;
  /**
   * Whether a database is configured: then a notice that could not be written (the database not
   * open yet, or failing) is tried again; without one it never could be, and is reported once.
   */
  databaseConfigured: boolean;
  report: (error: unknown, where: string) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** The waits before each retry of a notice not written, ms (`NOTICE_RETRY_DELAYS_MS` unless given). */
  retryDelaysMs?: readonly number[] | undefined;
}

/**
 * The waits before each retry of a notice the outbox did not take: about a minute in all, long
 * enough for a database that restarts or fails over, after which the failure is reported.
 */
export const NOTICE_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/** The soft-threshold notices of one gateway (`createBudgetThresholdNotices`). */
export interface BudgetThresholdNotices {
  /** What the budget gate calls on a crossing: the notice is written beside the reserve, never before it. */
  notify: (crossing: SoftThresholdCrossing) => void;
  /** Stops the retries under way (their notices are not written); idempotent. */
  close: () => void;
}

/**
 * The `webhook-id` of a budget window's threshold notice: derived from the counter (the budget's
 * scope, window and the window's start), so every instance that sees a crossing of that window
 * writes the same id, and the outbox keeps one.
 */
export const budgetThresholdNoticeId = (counterId: string): string =>
  `msg_budget_${createHash('sha256').update(counterId).digest('hex').slice(0, 32)}`;

/** The body of `budget.threshold_reached`: the budget, its window, and what is used of it. */
export const budgetThresholdPayload = (crossing: SoftThresholdCrossing, now: number): JsonObject => ({
  type: BUDGET_THRESHOLD_EVENT,
  timestamp: new Date(now).toISOString(),
  data: {
    scope: crossing.scope,
    window: crossing.window,
    limit_usd: crossing.limitUsd,
    spent_usd: crossing.usedUsd,
    soft_at_percent: crossing.softAtPercent,
    resets_at: crossing.resetsAt,
  },
});

/** Whether `budget.threshold_reached` goes to `server.webhooks.url`: listed, or no list given. */
const wantsThresholdNotices = (settings: WebhooksSettings): settings is WebhooksSettings & { url: string } =>
  settings.url !== undefined &&
  (settings.events === undefined || settings.events.some((event) => event === BUDGET_THRESHOLD_EVENT));

/**
 * What the budget gate calls when a reserve crosses a budget's `softAtPercent`: puts one
 * `budget.threshold_reached` notification per budget and window into the webhook outbox, to
 * `server.webhooks.url`, signed with `server.webhooks.secret` and delivered (with retries) by
 * whichever instance claims it. The notice's id is derived from the budget's counter, so a second
 * crossing of the same window (a hold released, then taken again) or one on another instance
 * sharing the database writes nothing. A notice the outbox did not take (the database not open
 * yet, or failing) is tried again after each of `retryDelaysMs` (the crossing happens once: a
 * notice dropped there would never be sent), then reported; a crossing of a window whose notice
 * is being retried adds nothing. Undefined when no notice can go anywhere (no
 * `server.webhooks.url`, or `server.webhooks.events` leaves the event out).
 */
export function createBudgetThresholdNotices(
  options: BudgetThresholdNoticesOptions,
): BudgetThresholdNotices | undefined {
  const { settings, report } = options;
  if (!wantsThresholdNotices(settings)) return undefined;
  const now = options.now ?? Date.now;
  const delays = options.retryDelaysMs ?? NOTICE_RETRY_DELAYS_MS;
  const closing = new AbortController();
  /** Notices being written or waiting for a retry, by id. */
  const underWay = new Set<string>();
  let reportedNoDatabase = false;

  const enqueue = async (crossing: SoftThresholdCrossing, id: string, at: number): Promise<void> => {
    const store = options.store();
    if (store?.enqueueNotice === undefined)
      throw new Error('the database that keeps the webhook outbox is not open');
    await store.enqueueNotice({
      id,
      subject: `budget:${crossing.scope}`,
      url: settings.url,
      secret: null,
      payload: budgetThresholdPayload(crossing, at),
      at,
    });
  };

  /** Writes the notice, trying again after each of `delays`; rejects with the last failure, or on close. */
  const deliver = async (crossing: SoftThresholdCrossing, id: string): Promise<void> => {
    const at = now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await enqueue(crossing, id, at);
        return;
      } catch (error) {
        const wait = delays[attempt];
        if (wait === undefined) throw error;
        await sleep(wait, undefined, { signal: closing.signal, ref: false });
      }
    }
  };

  return {
    notify: (crossing) => {
      if (closing.signal.aborted) return;
      if (!options.databaseConfigured) {
        if (!reportedNoDatabase)
          report(
            new Error('budget.threshold_reached is sent from the webhook outbox: set server.database'),
            `budget.threshold_reached of ${crossing.scope}`,
          );
        reportedNoDatabase = true;
        return;
      }
      const id = budgetThresholdNoticeId(crossing.counterId);
      if (underWay.has(id)) return;
      underWay.add(id);
      // The reserve that crossed goes on at once; the notice is written beside it.
      deliver(crossing, id)
        .catch((error: unknown) => {
          if (!closing.signal.aborted) report(error, `budget.threshold_reached of ${crossing.scope}`);
        })
        .finally(() => underWay.delete(id));
    },
    close: () => {
      closing.abort();
    },
  };
}
