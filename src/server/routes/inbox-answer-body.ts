import { z } from 'zod';
import type { InboxItemKind } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import { MAX_APPROVAL_REASON_CHARS } from '../contracts/request-schemas.js';
import { parseBody } from '../http/parse-body.js';

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

/** An inbox answer, by the kind of pending answer its body fits. */
export type InboxAnswerInput =
  | { kind: 'tool_approval'; approved: boolean; reason?: string }
  | {
      kind: 'client_tool_result';
      result: Record<string, unknown> | null;
      error: Record<string, unknown> | null;
    };

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

/** The 422 of an answer whose body does not fit the kind of what waits. */
export const answerDoesNotFitKind = (kind: InboxItemKind): HttpError =>
  new HttpError(422, {
    detail:
      kind === 'client_tool_result'
        ? 'This pending answer is a client tool\'s result: answer with {"result": {...}} or {"error": {...}}'
        : 'This pending answer is a tool approval: answer with {"approved": true|false, "reason"?: "..."}',
    code: 'answer_does_not_fit_kind',
  });
