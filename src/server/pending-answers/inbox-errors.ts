import type { InboxItemKind } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';

/** The 404 of an approval the caller may not see, or that never was. */
export const approvalNotFound = (): HttpError =>
  new HttpError(404, { detail: 'Approval not found', code: 'approval_not_found' });

/** The 404 of a gateway whose database keeps no inbox. */
export const inboxUnavailable = (): HttpError =>
  new HttpError(404, {
    detail: 'The approvals inbox needs a database: set server.database (docs/auth.md)',
    code: 'inbox_unavailable',
  });

/** The 422 of an answer whose body does not fit the kind of what waits. */
export const answerDoesNotFitKind = (kind: InboxItemKind): HttpError =>
  new HttpError(422, {
    detail:
      kind === 'client_tool_result'
        ? 'This pending answer is a client tool\'s result: answer with {"result": {...}} or {"error": {...}}'
        : 'This pending answer is a tool approval: answer with {"approved": true|false, "reason"?: "..."}',
    code: 'answer_does_not_fit_kind',
  });
