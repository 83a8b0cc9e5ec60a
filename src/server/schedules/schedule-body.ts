import { z } from 'zod';
import { containsNul } from '../../core/contains-nul.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import { CreateThreadBody } from '../threads/thread-request-schemas.js';
import { WebhookBody } from '../runs/background-run-body.js';

const threadId = z
  .string()
  .regex(THREAD_ID_PATTERN, 'must be 1 to 128 letters, digits, "_", "-", "." or ":"');
const endAt = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

/** Fields of a schedule a client sets (all but `cron` and `message` optional). */
const scheduleFields = {
  cron: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100).default('UTC'),
  thread_id: threadId.nullable().optional(),
  new_thread_each_time: z.boolean().default(false),
  // No NUL characters: the database stores none, and bad input is the client's to fix (422).
  message: z
    .string()
    .min(1)
    .max(32_000)
    .refine((text) => !containsNul(text), 'must not contain NUL characters'),
  enabled: z.boolean().default(true),
  end_at: endAt.nullable().optional(),
  metadata: CreateThreadBody.shape.metadata,
  // A schedule keeps its webhook's URL and secret only: its fires take `server.webhooks.events`.
  webhook: WebhookBody.omit({ events: true }).optional(),
};

/** Body of `POST /schedules`. */
export const CreateScheduleBody = z
  .strictObject(scheduleFields)
  .refine((body) => !(body.new_thread_each_time && typeof body.thread_id === 'string'), {
    message: 'give thread_id or new_thread_each_time, not both',
    path: ['thread_id'],
  });
/** Parsed body of `POST /schedules`. */
export type CreateScheduleBody = z.output<typeof CreateScheduleBody>;

/** Body of `PATCH /schedules/:id`: what is given replaces what is stored. */
export const UpdateScheduleBody = z.strictObject({
  cron: scheduleFields.cron.optional(),
  timezone: z.string().min(1).max(100).optional(),
  thread_id: threadId.nullable().optional(),
  new_thread_each_time: z.boolean().optional(),
  message: scheduleFields.message.optional(),
  enabled: z.boolean().optional(),
  end_at: endAt.nullable().optional(),
  metadata: CreateThreadBody.shape.metadata,
});
/** Parsed body of `PATCH /schedules/:id`. */
export type UpdateScheduleBody = z.output<typeof UpdateScheduleBody>;
