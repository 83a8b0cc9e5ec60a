import { z } from 'zod';

/**
 * What happens to a message sent while the session's run still works (double texting):
 * - `reject`: 409, nothing starts;
 * - `enqueue`: the message runs after the current run (and after earlier enqueued ones);
 * - `interrupt`: the current run is cancelled, what it wrote stays, the new one starts;
 * - `rollback`: the current run is cancelled and its messages dropped from its thread (the
 *   message that started it and an unanswered tool call too), then the new one starts;
 * - `steer`: the message reaches the running run at its next turn boundary, before its next
 *   model call; no new run starts (when the run ended meanwhile, the message starts one).
 */
export const multitaskSchema = z.enum(['reject', 'enqueue', 'interrupt', 'rollback', 'steer']);

/** A double-texting strategy (`multitask` of a request, `server.multitask`). */
export type MultitaskStrategy = z.output<typeof multitaskSchema>;
