import { z } from 'zod';
import { MAX_APPROVAL_REASON_CHARS } from '../contracts/request-schemas.js';
import { parseBody } from '../http/parse-body.js';
import type { InboxAnswerInput } from '../pending-answers/answer-inbox-item.js';

/** Body of `POST /approvals/:approval_id/answer` for a `tool_approval`. */
export const InboxAnswerBody = z.object({
  approved: z.boolean(),
  /** Why, in the approver's words: with a denial, the model reads it. */
  reason: z.string().max(MAX_APPROVAL_REASON_CHARS).optional(),
});

/**
 * Body of `POST /approvals/:approval_id/answer` for a `client_tool_result`: the tool's `result`
 * or its `error` (an object each, as `POST /chat/tool-result` takes them), one of them at least.
 */
export const InboxResultBody = z
  .object({
    result: z.record(z.string(), z.unknown()).nullable().optional(),
    error: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .refine((body) => body.result != null || body.error != null, {
    message: 'give the tool\'s "result" or its "error" (an object)',
  });

const has = (value: unknown, key: string): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && key in value;

/**
 * Reads an inbox answer's body: with `result` or `error` and no `approved`, a client-side tool's
 * result (`InboxResultBody`); anything else an approval (`InboxAnswerBody`), whose 422 names
 * what is missing.
 */
export function parseInboxAnswer(value: unknown): InboxAnswerInput {
  if (!has(value, 'approved') && (has(value, 'result') || has(value, 'error'))) {
    const body = parseBody(InboxResultBody, value);
    return { kind: 'client_tool_result', result: body.result ?? null, error: body.error ?? null };
  }
  const body = parseBody(InboxAnswerBody, value);
  return {
    kind: 'tool_approval',
    approved: body.approved,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
  };
}
