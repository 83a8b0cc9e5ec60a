import { createHash } from 'node:crypto';
import type { BackgroundRunStore } from '../../core/background-run-store.js';
import type { JsonObject } from '../../core/thread-store.js';
import type { SoftThresholdCrossing } from '../../budgets/create-budget-gate.js';
import { BUDGET_THRESHOLD_EVENT, type WebhooksSettings } from '../contracts/webhooks-option.js';

/** Options of `createBudgetThresholdNotices`. */
export interface BudgetThresholdNoticesOptions {
  settings: WebhooksSettings;
  /** The store of the moment (undefined while the database is not open, or without one). */
  store: () => BackgroundRunStore | undefined;
  report: (error: unknown, where: string) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
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
 * sharing the database writes nothing. Undefined when no notice can go anywhere (no
 * `server.webhooks.url`, or `server.webhooks.events` leaves the event out).
 */
export function createBudgetThresholdNotices(
  options: BudgetThresholdNoticesOptions,
): ((crossing: SoftThresholdCrossing) => void) | undefined {
  const { settings, report } = options;
  if (!wantsThresholdNotices(settings)) return undefined;
  const now = options.now ?? Date.now;
  const enqueue = async (crossing: SoftThresholdCrossing): Promise<void> => {
    const store = options.store();
    if (store?.enqueueNotice === undefined) {
      throw new Error('budget.threshold_reached is sent from the webhook outbox: set server.database');
    }
    const at = now();
    await store.enqueueNotice({
      id: budgetThresholdNoticeId(crossing.counterId),
      subject: `budget:${crossing.scope}`,
      url: settings.url,
      secret: null,
      payload: budgetThresholdPayload(crossing, at),
      at,
    });
  };
  return (crossing) => {
    // The reserve that crossed goes on at once; the notice is written beside it.
    void enqueue(crossing).catch((error: unknown) =>
      report(error, `budget.threshold_reached of ${crossing.scope}`),
    );
  };
}
