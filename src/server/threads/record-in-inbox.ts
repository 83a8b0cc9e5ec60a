import type { RequestApproval } from '../../core/approval.js';
import type {
  ApprovalInboxStore,
  InboxAnswer,
  InboxApprovalRequest,
} from '../../core/approval-inbox-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RunStartRecord } from '../../core/thread-store.js';
import { inboxAnswerOf, inboxRequestOf } from './inbox-entry.js';

/** What an approval's way through the inbox tells (the live updates of `GET /approvals/stream`). */
export type InboxChange =
  | { type: 'requested'; approval: InboxApprovalRequest }
  | { type: 'settled'; approval: InboxApprovalRequest; answer: InboxAnswer };

/** What `recordInInbox` needs of the run's recording. */
export interface RecordInInboxOptions {
  /** The database's approval inbox (`DatabaseStores.approvals`); none: approvals are not listed. */
  inbox: ApprovalInboxStore | undefined;
  session: SessionRecord;
  start: Pick<RunStartRecord, 'id' | 'threadId' | 'owner'>;
  /** Settles once the run's start record is in the store (the inbox row refers to it). */
  whenRecorded: () => Promise<void>;
  report: (error: unknown, where: string) => void;
  now: () => number;
  /** Told of every approval asked and settled, once the store has it. */
  onChange?: ((change: InboxChange) => void) | undefined;
}

/**
 * Wraps a run's approval requests so that each is in the inbox (`DatabaseStores.approvals`)
 * before it is announced, and settled there once decided or timed out. An approval whose run
 * stops waiting without a decision (cancelled, suspended, moved to another instance) stays as
 * it is: the inbox reads where it waits from the run. A store that fails is reported and the
 * run asks all the same: the inbox is a view, the run's own answer routes still work.
 */
export function recordInInbox(
  options: RecordInInboxOptions,
  requestApproval: RequestApproval,
): RequestApproval {
  const inbox = options.inbox;
  if (inbox === undefined) return requestApproval;
  const { session, start, report, now, onChange } = options;
  return async (approval, signal) => {
    const entry = inboxRequestOf(start, session, approval, now());
    let listed = false;
    try {
      await options.whenRecorded();
      // Asked again (a resumed or taken over run): listed already, and followers told then.
      if (await inbox.request(entry)) onChange?.({ type: 'requested', approval: entry });
      listed = true;
    } catch (error) {
      report(error, `listing approval ${entry.approvalId} in the inbox`);
    }
    const decision = await requestApproval(approval, signal);
    if (!listed || (decision === null && signal.aborted)) return decision;
    const answer = inboxAnswerOf(decision, session, now());
    try {
      if (await inbox.settle(entry.approvalId, answer))
        onChange?.({ type: 'settled', approval: entry, answer });
    } catch (error) {
      report(error, `settling approval ${entry.approvalId} in the inbox`);
    }
    return decision;
  };
}
