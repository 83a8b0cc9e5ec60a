import {
  WEBHOOK_EVENTS,
  type BackgroundRunRecord,
  type WebhookEvent,
} from '../../core/background-run-store.js';
import type { JsonObject } from '../../core/thread-store.js';
import { ownerOf } from './sql-rows.js';

/** A `background_runs` row as read. */
export interface BackgroundRunRow {
  run_id: string;
  api_key_hash: string;
  user_id: string | null;
  session_id: string;
  thread_id: string | null;
  metadata: JsonObject;
  webhook_events: unknown;
  webhook_url: string | null;
  webhook_secret: string | null;
  schedule_id: string | null;
  created_at: number;
  /** Read where the answer is asked for (`WITH_OUTPUT`). */
  output?: string | null;
  output_truncated?: boolean | null;
}

/** The columns of `background_runs` a background run is written to and read from. */
export const BACKGROUND_COLUMNS =
  'run_id, api_key_hash, user_id, session_id, thread_id, metadata, webhook_url, webhook_secret, schedule_id, created_at, webhook_events';

/** The columns of a background run read with its answer: `b` is the run, `o` its `run_outputs` row. */
export const WITH_OUTPUT = `${BACKGROUND_COLUMNS.split(', ')
  .map((column) => `b.${column}`)
  .join(', ')}, o.output, o.truncated AS output_truncated`;

/** The webhook events a row names (migration 12 moved them out of `metadata`), known ones only. */
const eventsOf = (column: unknown): WebhookEvent[] | undefined =>
  Array.isArray(column)
    ? column.filter((event): event is WebhookEvent => (WEBHOOK_EVENTS as readonly unknown[]).includes(event))
    : undefined;

/** The background run a row holds (with its answer when the row has one). */
export const toBackgroundRun = (row: BackgroundRunRow): BackgroundRunRecord => {
  const { metadata } = row;
  const events = eventsOf(row.webhook_events);
  return {
    runId: row.run_id,
    owner: ownerOf(row.api_key_hash, row.user_id),
    sessionId: row.session_id,
    threadId: row.thread_id,
    metadata,
    ...(row.webhook_url === null
      ? {}
      : {
          webhook: {
            url: row.webhook_url,
            ...(row.webhook_secret === null ? {} : { secret: row.webhook_secret }),
            ...(events === undefined ? {} : { events }),
          },
        }),
    ...(row.schedule_id === null ? {} : { scheduleId: row.schedule_id }),
    createdAt: Number(row.created_at),
    ...(typeof row.output === 'string'
      ? { output: { text: row.output, truncated: row.output_truncated === true } }
      : {}),
  };
};
