import { randomBytes, randomUUID } from 'node:crypto';
import type { ClaimedFire } from '../../core/schedule-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { startBackgroundRun } from '../runs/start-background-run.js';

/** How long the session of a fire lives, in seconds (its approvals are answered within it). */
const FIRE_SESSION_SECONDS = 86_400;

/**
 * Starts a claimed fire as a background run under the fire's run id, in a session of its own
 * owned by the schedule's owner, continuing the schedule's thread (or a new one each time);
 * resolves once the run started (and, with a database, was recorded).
 */
export async function startScheduledRun(
  context: ProtocolRouteContext,
  { schedule, runId }: ClaimedFire,
  now: () => number = Date.now,
): Promise<void> {
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
      metadata: schedule.metadata,
      ...(schedule.webhook === undefined ? {} : { webhook: schedule.webhook }),
    },
  });
}
