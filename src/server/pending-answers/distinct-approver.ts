import type { PendingAnswerRecord } from '../../core/stores.js';
import type { SubmissionResponse } from './claim-pending-submission.js';

/** `server.requireDistinctApprover`: every tool (`true`), the tools named, or none. */
export type DistinctApproverSetting = boolean | readonly string[];

/** Whether the principal whose run asked may not approve a call of `toolName` itself. */
export const requiresDistinctApprover = (setting: DistinctApproverSetting, toolName: string): boolean =>
  setting === true || (Array.isArray(setting) && setting.includes(toolName));

/** The 403 of an approval given by the principal whose run asked for it. */
export const ownApprovalRefused = (): SubmissionResponse => ({
  status: 403,
  body: {
    error: 'This approval needs an approver other than the principal whose run asked for it',
    detail: 'This approval needs an approver other than the principal whose run asked for it',
    code: 'distinct_approver_required',
  },
});

/**
 * The `admit` of an answer given by the run's own session (every answering route but
 * `POST /runs/:id/tool-approval`): the session whose run asked the call is its requester, so an
 * approval of a tool under `requireDistinctApprover` is refused before it is claimed, and the
 * call keeps waiting for another principal's answer.
 */
export const requesterMayNotApprove =
  (setting: DistinctApproverSetting) =>
  (record: Pick<PendingAnswerRecord, 'kind' | 'toolName'>): SubmissionResponse | undefined =>
    record.kind === 'approval' && requiresDistinctApprover(setting, record.toolName)
      ? ownApprovalRefused()
      : undefined;
