import { randomBytes, randomUUID } from 'node:crypto';
import type { ClaimedFire } from '../../core/schedule-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { startBackgroundRun } from '../runs/start-background-run.js';
import { webhookTargetOf } from '../runs/webhook-target-of.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';
import { storeUnavailable } from '../threads/call-thread-store.js';

/** How long the session of a fire lives, in seconds (its approvals are answered within it). */
const FIRE_SESSION_SECONDS = 86_400;

/**
 * Starts a claimed fire as a background run under the fire's run id, in a session of its own
 * owned by the schedule's owner, continuing the schedule's thread (or a new one each time);
 * resolves once the run started (and, with a database, was recorded). A fire retaken with
 * `recordedRun` (its first claimer died after recording the run, before its background run)
 * starts nothing: the background run of the recorded run is written instead, so each fire ends
 * in exactly one background run.
 */
export async function startScheduledRun(
  context: ProtocolRouteContext,
  fire: ClaimedFire,
  now: () => number = Date.now,
): Promise<void> {
  const { schedule, runId } = fire;
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
  if (fire.recordedRun !== undefined) {
    await recordBackgroundRunOfFire(context, fire, fire.recordedRun.threadId, session, now);
    return;
  }
  const threadId =
    schedule.threadId ?? (schedule.newThreadEachTime ? `thr_${randomBytes(16).toString('hex')}` : undefined);
  await startBackgroundRun({
    context,
    session,
    scheduleId: schedule.id,
    runId,
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
}

/**
 * Writes the background run of a fire whose run was recorded by a claimer that died before
 * recording it as a background run: metadata, webhook and schedule from the schedule, the thread
 * from the run's record. Its run's end then reaches the webhook like any other's.
 */
async function recordBackgroundRunOfFire(
  context: ProtocolRouteContext,
  { schedule, runId }: ClaimedFire,
  threadId: string | null,
  session: SessionRecord,
  now: () => number,
): Promise<void> {
  const backgroundRuns = context.config.threads?.current()?.backgroundRuns;
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
