import type {
  ApprovalWaitedOn,
  BackgroundRunRecord,
  BackgroundRunStore,
  WebhookDelivery,
  WebhookEvent,
} from '../../core/background-run-store.js';
import type { JsonObject } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { ownerOf, toRun, type RunRow } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import {
  BACKGROUND_COLUMNS,
  toBackgroundRun,
  WITH_OUTPUT,
  type BackgroundRunRow,
} from './sql-background-run-rows.js';

/** The methods of `BackgroundRunStore` over the webhook outbox. */
export type SqlWebhookOutbox = Pick<
  BackgroundRunStore,
  'enqueueEnded' | 'enqueueApprovalRequests' | 'claimDue' | 'settle' | 'release'
> &
  Required<Pick<BackgroundRunStore, 'enqueueNotice'>>;

/** A `webhook_outbox` row as claimed. */
interface OutboxRow {
  id: string;
  run_id: string;
  url: string;
  secret: string | null;
  payload: JsonObject | string;
  attempts: number;
  created_at: number;
  /** The owner of the notification's run (null when its record is gone). */
  owner_key: string | null;
  owner_user: string | null;
}

/** The `webhook-id` of a run's end notification: one per run, whichever instance writes it. */
export const endNotificationId = (runId: string): string => `msg_${runId}_ended`;

/** The `webhook-id` of an approval's notification: one per (run, tool call), and one of its expiry. */
export const approvalNotificationId = (runId: string, toolCallId: string, expired = false): string =>
  `msg_${runId}_approval_${toolCallId}${expired ? '_expired' : ''}`;

/** Which approvals of the inbox each approval event tells of (`$1` is now). */
const APPROVAL_EVENTS = {
  'run.approval_requested': {
    where: `a.decision IS NULL AND a.expires_at > $1`,
    suffix: '',
  },
  'run.approval_expired': {
    where: `(a.decision = 'timed_out' OR (a.decision IS NULL AND a.expires_at <= $1
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = a.run_id AND r.status = 'cancelled')))`,
    suffix: '_expired',
  },
} as const;

/** Whether a run's webhook asked for `event` (absent events: only the end). */
const wants = (run: BackgroundRunRecord, event: WebhookEvent): boolean =>
  (run.webhook?.events ?? ['run.ended']).includes(event);

/** Statuses a run ends with. */
const ENDED = ['completed', 'failed', 'cancelled', 'budget_exceeded'];

/**
 * The webhook outbox in SQL: notifications enqueued once per run's end and per approval (their
 * id is the primary key), claimed with `FOR UPDATE SKIP LOCKED`, so instances sharing a database
 * never take the same row; a claim that lapses (its instance died) is taken again, with the same
 * notification id.
 */
export function createSqlWebhookOutbox(engine: SqlEngine): SqlWebhookOutbox {
  return {
    enqueueEnded: (now, limit, payloadOf) =>
      failClosed('enqueueWebhooks', () =>
        engine.transaction(async (tx) => {
          // The run record comes as one JSON column: both tables have an owner and a thread.
          const found = await tx.query<BackgroundRunRow & { run: RunRow }>(
            `SELECT ${WITH_OUTPUT}, row_to_json(r) AS run
             FROM background_runs b JOIN runs r ON r.id = b.run_id
             LEFT JOIN run_outputs o ON o.run_id = b.run_id
             WHERE b.webhook_url IS NOT NULL AND b.notified_at IS NULL AND r.status = ANY($1)
             ORDER BY b.created_at LIMIT $2
             FOR UPDATE OF b SKIP LOCKED`,
            [ENDED, limit],
          );
          for (const row of found.rows) {
            const background = toBackgroundRun(row);
            // A webhook that did not ask for the end is marked notified without a notification.
            if (wants(background, 'run.ended')) {
              const payload = payloadOf(toRun(row.run), background);
              await tx.query(
                `INSERT INTO webhook_outbox (id, run_id, url, secret, payload, created_at, next_attempt_at)
               VALUES ($1, $2, $3, $4, $5::json, $6, $6) ON CONFLICT (id) DO NOTHING`,
                [
                  endNotificationId(background.runId),
                  background.runId,
                  background.webhook?.url,
                  background.webhook?.secret ?? null,
                  JSON.stringify(payload),
                  now,
                ],
              );
            }
            await tx.query('UPDATE background_runs SET notified_at = $2 WHERE run_id = $1', [
              background.runId,
              now,
            ]);
          }
          return found.rows.length;
        }),
      ),

    enqueueApprovalRequests: (now, limit, payloadOf) =>
      failClosed('enqueueApprovalWebhooks', async () => {
        return enqueueApprovalEvents(engine, now, limit, payloadOf);
      }),

    enqueueNotice: (notice) =>
      failClosed('enqueueNotice', async () => {
        // The id is the primary key: of two instances writing the same notice, one row stays.
        const written = await engine.query<{ id: string }>(
          `INSERT INTO webhook_outbox (id, run_id, url, secret, payload, created_at, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5::json, $6, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [notice.id, notice.subject, notice.url, notice.secret, JSON.stringify(notice.payload), notice.at],
        );
        return written.rows.length > 0;
      }),

    claimDue: (claimer, now, claimForMs, limit) =>
      failClosed('claimWebhooks', async (): Promise<WebhookDelivery[]> => {
        const claimed = await engine.query<OutboxRow>(
          `UPDATE webhook_outbox SET claimed_by = $1, claim_until = $2
           WHERE id IN (
             SELECT id FROM webhook_outbox
             WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= $3
               AND (claim_until IS NULL OR claim_until < $3)
             ORDER BY next_attempt_at LIMIT $4
             FOR UPDATE SKIP LOCKED)
           RETURNING id, run_id, url, secret, payload, attempts, created_at,
             (SELECT b.api_key_hash FROM background_runs b WHERE b.run_id = webhook_outbox.run_id)
               AS owner_key,
             (SELECT b.user_id FROM background_runs b WHERE b.run_id = webhook_outbox.run_id)
               AS owner_user`,
          [claimer, now + claimForMs, now, limit],
        );
        return claimed.rows.map((row) => ({
          id: row.id,
          runId: row.run_id,
          url: row.url,
          secret: row.secret,
          payload: typeof row.payload === 'string' ? (JSON.parse(row.payload) as JsonObject) : row.payload,
          attempts: row.attempts,
          createdAt: Number(row.created_at),
          ...(row.owner_key === null ? {} : { owner: ownerOf(row.owner_key, row.owner_user) }),
        }));
      }),

    settle: (id, claimer, now, outcome) =>
      failClosed('settleWebhook', async () => {
        if (outcome.delivered) {
          await engine.query(
            `UPDATE webhook_outbox SET delivered_at = $3, attempts = attempts + 1, claimed_by = NULL,
               claim_until = NULL, last_error = NULL
             WHERE id = $1 AND claimed_by = $2`,
            [id, claimer, now],
          );
          return;
        }
        await engine.query(
          `UPDATE webhook_outbox SET attempts = attempts + 1, claimed_by = NULL, claim_until = NULL,
             last_error = $3, next_attempt_at = COALESCE($4, next_attempt_at),
             given_up_at = CASE WHEN $4::bigint IS NULL THEN $5::bigint ELSE NULL END
           WHERE id = $1 AND claimed_by = $2`,
          [id, claimer, outcome.error.slice(0, 500), outcome.nextAttemptAt, now],
        );
      }),

    release: (ids, claimer, nextAttemptAt) =>
      failClosed('releaseWebhooks', async () => {
        if (ids.length === 0) return;
        await engine.query(
          `UPDATE webhook_outbox SET claimed_by = NULL, claim_until = NULL, next_attempt_at = $3
           WHERE id = ANY($1::text[]) AND claimed_by = $2`,
          [[...ids], claimer, nextAttemptAt],
        );
      }),
  };
}

/** The approvals one approval event tells of, as a `SELECT` (`$1` is now). */
const approvalEventSelect = (event: keyof typeof APPROVAL_EVENTS): string => {
  const { where, suffix } = APPROVAL_EVENTS[event];
  return `SELECT ${BACKGROUND_COLUMNS.split(', ')
    .map((column) => `b.${column}`)
    .join(', ')}, a.tool_call_id, a.tool_name, a.requested_at, a.expires_at, '${event}' AS event
     FROM approval_requests a
     JOIN background_runs b ON b.run_id = a.run_id
     WHERE a.kind = 'tool_approval' AND ${where}
       AND b.webhook_url IS NOT NULL
       AND b.webhook_events @> '${JSON.stringify([event])}'::jsonb
       AND NOT EXISTS (
         SELECT 1 FROM webhook_outbox o
         WHERE o.id = 'msg_' || a.run_id || '_approval_' || a.tool_call_id || '${suffix}')`;
};

/** Both approval events' due notifications, in one statement per poll. */
const DUE_APPROVAL_EVENTS = `SELECT * FROM (${approvalEventSelect('run.approval_requested')}
   UNION ALL ${approvalEventSelect('run.approval_expired')}) due
   ORDER BY requested_at LIMIT $2`;

/**
 * Enqueues the notifications of the approvals the approval events tell of (read from the inbox,
 * where an approval is listed as it is asked), found in one statement so that a poll round costs
 * the database no more for the second event. No lock needed: a notification's id is its primary
 * key, so a second writer's is dropped.
 */
async function enqueueApprovalEvents(
  engine: SqlEngine,
  now: number,
  limit: number,
  payloadOf: (background: BackgroundRunRecord, approval: ApprovalWaitedOn) => JsonObject,
): Promise<number> {
  const found = await engine.query<
    BackgroundRunRow & {
      tool_call_id: string;
      tool_name: string;
      requested_at: number;
      expires_at: number;
      event: keyof typeof APPROVAL_EVENTS;
    }
  >(DUE_APPROVAL_EVENTS, [now, limit]);
  for (const row of found.rows) {
    const background = toBackgroundRun(row);
    const event = row.event;
    const approval: ApprovalWaitedOn = {
      toolCallId: row.tool_call_id,
      toolName: row.tool_name,
      requestedAt: Number(row.requested_at),
      expiresAt: Number(row.expires_at),
      event,
    };
    await engine.query(
      `INSERT INTO webhook_outbox (id, run_id, url, secret, payload, created_at, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5::json, $6, $6) ON CONFLICT (id) DO NOTHING`,
      [
        approvalNotificationId(background.runId, approval.toolCallId, event === 'run.approval_expired'),
        background.runId,
        background.webhook?.url,
        background.webhook?.secret ?? null,
        JSON.stringify(payloadOf(background, approval)),
        now,
      ],
    );
  }
  return found.rows.length;
}
