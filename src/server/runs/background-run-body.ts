import { z } from 'zod';
import type { JsonObject } from '../../core/thread-store.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import { ChatMessageBody } from '../contracts/request-schemas.js';
import { CreateThreadBody } from '../threads/thread-request-schemas.js';
import { webhookEventsSchema, webhookSecretSchema } from '../contracts/webhooks-option.js';
import { multitaskSchema } from '../contracts/multitask-option.js';

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * A run's own webhook: where its notifications go, the secret that signs them (else the
 * server's), and the events it is told of (else `server.webhooks.events`, else only `run.ended`).
 */
export const WebhookBody = z.strictObject({
  url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH),
  secret: webhookSecretSchema.optional(),
  events: webhookEventsSchema.optional(),
});

/**
 * Body of `POST /runs`: `messages` (as `POST /chat`) or one `message` (a user message's text),
 * and optionally the thread it continues, the model, a webhook and the caller's metadata.
 */
export const BackgroundRunBody = z
  .object({
    thread_id: z
      .string()
      .regex(THREAD_ID_PATTERN, 'must be 1 to 128 letters, digits, "_", "-", "." or ":"')
      .optional(),
    messages: z.array(ChatMessageBody).min(1).optional(),
    message: z.string().min(1).optional(),
    model: z.string().nullable().optional(),
    context: z.record(z.string(), z.unknown()).default({}),
    metadata: CreateThreadBody.shape.metadata,
    webhook: WebhookBody.optional(),
    multitask: multitaskSchema.optional(),
  })
  .refine((body) => (body.messages === undefined) !== (body.message === undefined), {
    message: 'give either messages or message, not both',
    path: ['messages'],
  })
  .transform((body) => ({
    ...(body.thread_id === undefined ? {} : { threadId: body.thread_id }),
    messages: body.messages ?? [{ role: 'user' as const, content: body.message ?? '' }],
    ...(body.model === undefined || body.model === null ? {} : { model: body.model }),
    context: body.context,
    metadata: body.metadata ?? {},
    ...(body.webhook === undefined ? {} : { webhook: body.webhook }),
    ...(body.multitask === undefined ? {} : { multitask: body.multitask }),
  }));

/** A parsed background run request, as `POST /runs` and schedule fires start it. */
export type BackgroundRunRequest = z.output<typeof BackgroundRunBody>;

/**
 * A parsed request back in the shape of `POST /runs`'s body, as JSON: what a queued run keeps in
 * the database, parsed again with `BackgroundRunBody` by whichever instance starts it.
 */
export function backgroundRunToBody(request: BackgroundRunRequest): JsonObject {
  const body = {
    ...(request.threadId === undefined ? {} : { thread_id: request.threadId }),
    messages: request.messages,
    ...(request.model === undefined ? {} : { model: request.model }),
    context: request.context,
    metadata: request.metadata,
    ...(request.webhook === undefined ? {} : { webhook: request.webhook }),
    ...(request.multitask === undefined ? {} : { multitask: request.multitask }),
  };
  return JSON.parse(JSON.stringify(body)) as JsonObject;
}
