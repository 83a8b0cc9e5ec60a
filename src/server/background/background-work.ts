import { randomBytes } from 'node:crypto';
import { defaultSchedulesSettings } from '../contracts/schedules-option.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';
import type { RunStarter } from '../runs/run-starter.js';
import { startScheduledRun } from '../schedules/start-scheduled-run.js';
import { createQueuedRuns, type QueuedRuns } from './queued-runs.js';
import { createScheduleFirer, type ScheduleFirer } from './schedule-firer.js';
import { createScheduleWake, type ScheduleWake } from './schedule-wake.js';
import { createWebhookSender, type WebhookSender } from './webhook-sender.js';
import type { OwnerInvalidity } from '../runs/may-start-run.js';
import { createSlackClient } from '../slack/slack-client.js';
import { createSlackApprovalNotifier, type SlackApprovalNotifier } from './slack-approval-notifier.js';

/** What the background work needs of the app besides its run starter. */
export interface BackgroundWorkOptions {
  /** Counts a fire as one request of its owner's API key (`server.rateLimit`); throws 429 past it. */
  countRequest: (apiKeyHash: string) => Promise<void>;
  /** True once the app is closing: nothing more is fired or started here. */
  isClosing: () => boolean;
  /**
   * Why the owner of background work (its key, user and principal) would no longer be accepted
   * (a key removed from `validApiKeys`, an identity provider replaced), or undefined: its
   * schedules are paused and its queued runs dropped, each with that reason.
   */
  ownerInvalidity?: OwnerInvalidity;
  /** Whether a run runs on this instance (the Slack notifier posts only the approvals asked here). */
  runsHere?: (runId: string) => boolean;
}

/** The app's background work: its pollers of the database, started and closed together. */
export interface BackgroundWork {
  /** Fires due schedules as background runs. */
  firer: ScheduleFirer;
  /** Wakes every instance's firer for a schedule created, enabled or re-timed. */
  scheduleWake: ScheduleWake;
  /**
   * This instance's share of the database's queue of enqueued runs (`POST /runs` enqueues into
   * it); undefined without `server.database` (enqueued runs then wait in memory).
   */
  queuedRuns: QueuedRuns | undefined;
  /** Delivers the webhooks of background runs from the database's outbox. */
  webhooks: WebhookSender;
  /** Posts approvals to Slack and keeps the messages up to date (`server.approvals.slack`). */
  slack: SlackApprovalNotifier | undefined;
  /**
   * Starts the pollers, once the database is open (idempotent): the firer (whose rounds hold
   * no timer without a database), the scan of queued runs whose claim lapsed, and the webhook
   * sender when the database keeps background runs.
   */
  start(): void;
  /**
   * Stops them, each in turn and awaited: the firer first (no fire starts a run after it), then
   * the queued runs (waits end, claims are given back for another instance), then the webhook
   * sender (attempts under way are aborted, their claims lapse). Idempotent; never rejects.
   */
  close(): Promise<void>;
}

/** A claimer name unique per instance and per service: `<instanceId>.<random>`. */
const claimerOf = (instanceId: string): string => `${instanceId}.${randomBytes(4).toString('hex')}`;

/**
 * Makes the app's background work around its run starter: the schedule firer, the queued-run
 * poller (with `server.database`) and the webhook sender. Nothing runs before `start()`, which
 * the gateway's lifecycle calls once the database is open; `close()` is called by the lifecycle
 * after the runs were drained or handed over.
 */
export function createBackgroundWork(starter: RunStarter, options: BackgroundWorkOptions): BackgroundWork {
  const { config, report } = starter;
  const firer = createScheduleFirer({
    store: () => config.database?.current()?.schedules,
    polls: () => {
      if (config.database?.configured !== true) return false;
      const open = config.database.current();
      return open === undefined || open.schedules !== undefined;
    },
    settings: config.schedules ?? defaultSchedulesSettings,
    claimer: claimerOf(config.instanceId),
    startFire: (fire, signal) =>
      startScheduledRun(starter, fire, {
        countRequest: options.countRequest,
        signal,
        ...(options.ownerInvalidity === undefined ? {} : { ownerInvalidity: options.ownerInvalidity }),
      }),
    report,
    isClosing: options.isClosing,
  });
  const scheduleWake = createScheduleWake({ firer, bus: starter.stores.bus, report });
  const queuedRuns =
    config.database?.configured !== true
      ? undefined
      : createQueuedRuns({
          context: starter,
          claimer: claimerOf(config.instanceId),
          leaseMs: config.queuedRunLeaseMs,
          isClosing: options.isClosing,
          ...(options.ownerInvalidity === undefined ? {} : { ownerInvalidity: options.ownerInvalidity }),
        });
  const webhooks = createWebhookSender({
    store: () => config.database?.current()?.backgroundRuns,
    settings: config.webhooks ?? defaultWebhooksSettings,
    claimer: claimerOf(config.instanceId),
    logger: config.logger,
    report,
  });
  const slack = createSlackNotifierOf(starter, options);
  let closing: Promise<void> | undefined;
  /** Closes one service; its failure is reported, and the next one still closes. */
  const closeOne = (service: { close(): Promise<void> } | undefined, where: string): Promise<void> =>
    service === undefined
      ? Promise.resolve()
      : service.close().catch((error: unknown) => report(error, where));
  return {
    firer,
    scheduleWake,
    queuedRuns,
    webhooks,
    slack,
    start() {
      if (closing !== undefined) return;
      firer.start();
      scheduleWake.start();
      queuedRuns?.start();
      if (config.database?.current()?.backgroundRuns !== undefined) webhooks.start();
      slack?.start().catch((error: unknown) => report(error, 'slack approvals start'));
    },
    close() {
      closing ??= (async () => {
        await closeOne(scheduleWake, 'schedule wake close');
        await closeOne(firer, 'schedules close');
        await closeOne(queuedRuns, 'queued runs close');
        await closeOne(webhooks, 'webhooks close');
        await closeOne(slack, 'slack approvals close');
      })();
      return closing;
    },
  };
}

/** The Slack notifier of `server.approvals.slack` (undefined without it, or without an inbox). */
function createSlackNotifierOf(
  starter: RunStarter,
  options: BackgroundWorkOptions,
): SlackApprovalNotifier | undefined {
  const { config, report } = starter;
  const settings = config.approvals?.slack;
  if (settings === undefined || config.database?.configured !== true) return undefined;
  return createSlackApprovalNotifier({
    settings,
    client: createSlackClient({
      botToken: settings.botToken,
      apiUrl: settings.apiUrl,
      logger: config.logger,
    }),
    bus: starter.stores.bus,
    approvalOf: async (approvalId) => config.database?.current()?.approvals?.get(approvalId),
    runsHere: options.runsHere ?? (() => true),
    report,
  });
}
