import { randomBytes, randomUUID } from 'node:crypto';
import type { ClaimedFire } from '../../core/schedule-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RunStarter } from '../runs/run-starter.js';
import { startBackgroundRun } from '../runs/start-background-run.js';
import { webhookTargetOf } from '../runs/webhook-target-of.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';
import { storeUnavailable } from '../threads/call-thread-store.js';
import { mayStartRun, type OwnerInvalidity } from '../runs/may-start-run.js';
import { currentRightsOf } from '../auth/current-rights.js';
import { FireRefused } from './fire-refused.js';
import { isHttpError } from '../../core/http-error.js';

/** How long the session of a fire lives, in seconds (its approvals are answered within it). */
const FIRE_SESSION_SECONDS = 86_400;

/** What a fire's start needs besides the routes' context. */
export interface ScheduledRunOptions {
  /** Counts the fire as one request of its owner's API key (`server.rateLimit`); throws 429 past it. */
  countRequest?: (apiKeyHash: string) => Promise<void>;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Ends the wait of a fire's run queued in this instance's memory (the firer closes). */
  signal?: AbortSignal;
  /** Why the schedule's owner would no longer be accepted (then the schedule is paused). */
  ownerInvalidity?: OwnerInvalidity;
}

/**
 * Starts a claimed fire as a background run under the fire's run id, in a session of its own
 * owned by the schedule's owner and carrying the principal the schedule acts as (its tenant,
 * scopes and claims reach `server.authorize` for `run.start` here, and for each tool call; once
 * the token that carried them expired, without its scopes and claims: `currentRightsOf`),
 * continuing the schedule's thread (or a new one each time); resolves once the run started
 * (and, with a database, was recorded). A refusal of `run.start` throws `FireRefused`, and so
 * does an owner no longer accepted (`ownerInvalidity`: its key removed, its identity provider
 * replaced), whose schedule is paused first: it fires no more until its owner enables it. The fire
 * counts against its owner's limits like any run: its key's request rate (`countRequest`), and
 * in the run's start its token budget and `maxRunsPerApiKey`. The fire's session is removed
 * once its run ended (or failed to start), so fires never fill the session pool. A fire retaken
 * with `recordedRun` (its first claimer died after recording the run, before its background
 * run) starts nothing: the background run of the recorded run is written instead, so each fire
 * ends in exactly one background run.
 */
export async function startScheduledRun(
  context: RunStarter,
  fire: ClaimedFire,
  options: ScheduledRunOptions = {},
): Promise<void> {
  const { schedule, runId } = fire;
  const now = options.now ?? Date.now;
  const createdAt = Math.floor(now() / 1000);
  const session: SessionRecord = {
    sessionId: `sess_${randomUUID().replaceAll('-', '')}`,
    apiKeyHash: schedule.owner.apiKeyHash,
    ...(schedule.owner.user === undefined ? {} : { user: schedule.owner.user }),
    ...(schedule.principal === undefined ? {} : { principal: currentRightsOf(schedule.principal, now()) }),
    createdAt,
    expiresAt: createdAt + FIRE_SESSION_SECONDS,
    approvedToolTypes: [],
  };
  if (fire.recordedRun !== undefined) {
    await context.stores.sessions.create(session);
    await recordBackgroundRunOfFire(context, fire, fire.recordedRun.threadId, session, now);
    return;
  }
  const invalidity = options.ownerInvalidity?.(session);
  if (invalidity !== undefined) {
    await context.config.database
      ?.current()
      ?.schedules?.update(schedule.owner, schedule.id, { enabled: false, nextFireAt: null }, now());
    throw new FireRefused(
      `the schedule's owner is no longer accepted (${invalidity}): the schedule is paused`,
    );
  }
  if (!(await mayStartRun(context, session))) {
    throw new FireRefused('server.authorize refused run.start to the principal of this schedule');
  }
  await options.countRequest?.(session.apiKeyHash);
  await context.stores.sessions.create(session);
  const threadId =
    schedule.threadId ?? (schedule.newThreadEachTime ? `thr_${randomBytes(16).toString('hex')}` : undefined);
  try {
    const started = await startBackgroundRun({
      context,
      session,
      scheduleId: schedule.id,
      runId,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      request: {
        ...(threadId === undefined ? {} : { threadId }),
        messages: [{ role: 'user', content: schedule.message }],
        context: { channel: 'schedule' },
        // A fire on a thread where a run works (its owner chatting) waits its turn.
        multitask: 'enqueue',
        metadata: schedule.metadata,
        ...(schedule.webhook === undefined ? {} : { webhook: schedule.webhook }),
      },
    });
    // A queued run holds its session until it started and ended; `backgroundRunParts` removes it.
    if (started.status === 'steered') await removeFireSession(context, session.sessionId);
  } catch (error) {
    await removeFireSession(context, session.sessionId);
    // A budget at its limit refuses the fire for good (it is not retried): recorded with its code.
    if (isHttpError(error) && error.body['code'] === 'budget_exceeded') {
      throw new FireRefused(`budget_exceeded: ${String(error.body['error'])}`);
    }
    throw error;
  }
}

/** Removes a fire's session (its run ended, or never started); a failure is reported only. */
export async function removeFireSession(context: RunStarter, sessionId: string): Promise<void> {
  await context.stores.sessions
    .delete(sessionId)
    .then(() => undefined)
    .catch((error: unknown) => context.report(error, 'schedule fire session'));
}

/**
 * Writes the background run of a fire whose run was recorded by a claimer that died before
 * recording it as a background run: metadata, webhook and schedule from the schedule, the thread
 * from the run's record. Its run's end then reaches the webhook like any other's.
 */
async function recordBackgroundRunOfFire(
  context: RunStarter,
  { schedule, runId }: ClaimedFire,
  threadId: string | null,
  session: SessionRecord,
  now: () => number,
): Promise<void> {
  const backgroundRuns = context.config.database?.current()?.backgroundRuns;
  if (backgroundRuns === undefined)
    throw storeUnavailable(new Error('the database keeps no background runs'));
  const webhook = webhookTargetOf(schedule.webhook, context.config.webhooks ?? defaultWebhooksSettings, true);
  await backgroundRuns.record({
    runId,
    owner: schedule.owner,
    sessionId: session.sessionId,
    threadId,
    metadata: schedule.metadata,
    ...(webhook === undefined ? {} : { webhook }),
    scheduleId: schedule.id,
    createdAt: now(),
  });
}
