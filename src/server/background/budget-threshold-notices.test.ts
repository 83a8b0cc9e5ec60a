import { describe, expect, it } from 'vitest';
import type { StandaloneNotice } from '../../core/background-run-store.js';
import type { SoftThresholdCrossing } from '../../budgets/create-budget-gate.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';
import { budgetThresholdNoticeId, createBudgetThresholdNotices } from './budget-threshold-notices.js';

const settings = { ...defaultWebhooksSettings, url: 'https://hooks.example.com/budget' };
const crossing: SoftThresholdCrossing = {
  counterId: 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z',
  scope: 'tenant:acme',
  window: 'day',
  limitUsd: 1,
  usedUsd: 0.5,
  softAtPercent: 50,
  resetsAt: '2026-11-29T00:00:00.000Z',
};

/** An outbox that refuses its first `failures` writes (a database that is down), then keeps them. */
function flakyOutbox(failures: number) {
  const kept: StandaloneNotice[] = [];
  let attempts = 0;
  return {
    kept,
    attempts: () => attempts,
    store: {
      enqueueNotice(notice: StandaloneNotice): Promise<boolean> {
        attempts += 1;
        if (attempts <= failures) return Promise.reject(new Error('connection terminated'));
        kept.push(notice);
        return Promise.resolve(true);
      },
    },
  };
}

/** Notices over `store`, a database configured, their reports collected. */
function noticesOver(
  store: () => Pick<ReturnType<typeof flakyOutbox>['store'], 'enqueueNotice'> | undefined,
  retryDelaysMs: number[],
) {
  const reported: unknown[] = [];
  const notices = createBudgetThresholdNotices({
    settings,
    store,
    databaseConfigured: true,
    report: (error) => reported.push(error),
    retryDelaysMs,
  });
  return { notices, reported };
}

describe('budget.threshold_reached notices', () => {
  it('are written once the outbox takes them, after failed tries (a crossing happens only once)', async () => {
    const outbox = flakyOutbox(2);
    const { notices, reported } = noticesOver(() => outbox.store, [5, 5, 5]);
    notices?.notify(crossing);
    await waitFor(() => outbox.kept.length === 1 || undefined);
    expect(outbox.attempts()).toBe(3);
    expect(outbox.kept[0]?.id).toBe(budgetThresholdNoticeId(crossing.counterId));
    expect(reported).toEqual([]);
    notices?.close();
  });

  it('are tried again while the database is not open yet', async () => {
    const outbox = flakyOutbox(0);
    let open = false;
    const { notices } = noticesOver(() => (open ? outbox.store : undefined), [5, 5, 5, 5, 5]);
    notices?.notify(crossing);
    open = true;
    await waitFor(() => outbox.kept.length === 1 || undefined);
    notices?.close();
  });

  it('report the failure once every retry is spent, and add nothing for a crossing of the window under way', async () => {
    const outbox = flakyOutbox(Number.POSITIVE_INFINITY);
    const { notices, reported } = noticesOver(() => outbox.store, [5, 5]);
    notices?.notify(crossing);
    notices?.notify(crossing);
    await waitFor(() => reported.length === 1 || undefined);
    expect(outbox.attempts()).toBe(3);
    expect(String(reported[0])).toMatch(/connection terminated/);
    notices?.close();
  });

  it('stop retrying at close, reporting nothing', async () => {
    const outbox = flakyOutbox(1);
    const { notices, reported } = noticesOver(() => outbox.store, [60_000]);
    notices?.notify(crossing);
    await waitFor(() => outbox.attempts() === 1 || undefined);
    notices?.close();
    notices?.close();
    notices?.notify(crossing);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outbox.attempts()).toBe(1);
    expect(outbox.kept).toEqual([]);
    expect(reported).toEqual([]);
  });

  it('without a database, say once that the outbox needs server.database', () => {
    const reported: unknown[] = [];
    const notices = createBudgetThresholdNotices({
      settings,
      store: () => undefined,
      databaseConfigured: false,
      report: (error) => reported.push(error),
    });
    notices?.notify(crossing);
    notices?.notify({ ...crossing, counterId: 'tenant:other|day|UTC|2026-11-28T00:00:00.000Z' });
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toMatch(/server\.database/);
  });

  it('are not made when no webhook URL is set or the event is not listed', () => {
    const options = { store: () => undefined, databaseConfigured: true, report: () => undefined };
    expect(createBudgetThresholdNotices({ ...options, settings: defaultWebhooksSettings })).toBeUndefined();
    expect(
      createBudgetThresholdNotices({ ...options, settings: { ...settings, events: ['run.ended'] } }),
    ).toBeUndefined();
  });
});
