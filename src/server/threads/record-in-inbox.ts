import type { ApprovalAnswerer, RequestApproval } from '../../core/approval.js';
import type {
  ApprovalInboxStore,
  InboxAnswer,
  InboxApprovalRequest,
} from '../../core/approval-inbox-store.js';
import type { SessionRecord } from '../../core/stores.js';
import type { RunStartRecord } from '../../core/thread-store.js';
import { inboxAnswerOf, inboxRequestOf, type InboxCall } from './inbox-entry.js';

/** What an approval's way through the inbox tells (the live updates of `GET /approvals/stream`). */
export type InboxChange =
  | { type: 'requested'; approval: InboxApprovalRequest }
  | { type: 'settled'; approval: InboxApprovalRequest; answer: InboxAnswer };

/**
 * Writes how a call's wait ended into the inbox's audit and tells the inbox's followers; resolves
 * whether this record is the entry's (the first one stands). It is the answering service's audit
 * writer (`AnswerAudit.record`, in `pending-answers/`), handed down to the run's recording so
 * that the audit has one writer; it reports a store that fails itself.
 */
export type RecordInAudit = (
  inbox: ApprovalInboxStore,
  approval: InboxApprovalRequest,
  answer: InboxAnswer,
) => Promise<boolean>;

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
  /** Told of every approval asked, once the store has it. */
  onChange?: ((change: InboxChange) => void) | undefined;
  /** How the wait's end is written (see `RecordInAudit`). */
  recordInAudit: RecordInAudit;
}

/**
 * Wraps a run's approval requests so that each is in the inbox (`DatabaseStores.approvals`)
 * before it is announced, and settled there (through the audit's writer) once decided or timed
 * out. An approval whose run stops waiting without a decision (cancelled, suspended, moved to
 * another instance) stays as it is: the inbox reads where it waits from the run. A store that fails is reported and the
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
    await options.recordInAudit(inbox, entry, inboxAnswerOf(decision, session, now()));
    return decision;
  };
}

/**
 * Told when a client-side tool's call listed in the inbox stops waiting: `true` when a result
 * (or an error) came, `false` when it timed out. A cancelled run tells nothing.
 */
export type SettleClientToolCall = (answered: boolean, answeredBy?: ApprovalAnswerer) => Promise<void>;

/**
 * Lists a client-side tool's call in the inbox (`kind: "client_tool_result"`) before it is
 * announced, so that a person other than the requester whom `server.authorize` allows
 * `client_tool.answer` can give its result; resolves how to settle it there. Like an approval,
 * a store that fails is reported and the call waits all the same.
 */
export async function listClientToolCall(
  options: RecordInInboxOptions,
  call: InboxCall,
): Promise<SettleClientToolCall> {
  const inbox = options.inbox;
  const { session, start, report, now, onChange } = options;
  const ignore: SettleClientToolCall = () => Promise.resolve();
  if (inbox === undefined) return ignore;
  const entry = inboxRequestOf(start, session, call, now(), 'client_tool_result');
  try {
    await options.whenRecorded();
    if (await inbox.request(entry)) onChange?.({ type: 'requested', approval: entry });
  } catch (error) {
    report(error, `listing client tool call ${entry.approvalId} in the inbox`);
    return ignore;
  }
  return settleClientToolCall(options, entry.approvalId, entry);
}

/**
 * How to settle the inbox entry `approvalId` of a client-side tool's call (`listClientToolCall`),
 * also for a call answered while its run was suspended, which the resumed run never lists
 * again (`known` absent: the entry is read back to tell followers).
 */
export function settleClientToolCall(
  options: Pick<RecordInInboxOptions, 'inbox' | 'session' | 'report' | 'now' | 'recordInAudit'>,
  approvalId: string,
  known?: InboxApprovalRequest,
): SettleClientToolCall {
  const inbox = options.inbox;
  const { session, report, now, recordInAudit } = options;
  return async (answered, answeredBy) => {
    if (inbox === undefined) return;
    const decision = answered
      ? { approved: true, ...(answeredBy === undefined ? {} : { answeredBy }) }
      : null;
    const given = inboxAnswerOf(decision, session, now());
    const answer: InboxAnswer = answered ? { ...given, decision: 'answered' } : given;
    try {
      // Unknown to the inbox (never listed): nothing to record.
      const approval = known ?? (await inbox.get(approvalId));
      if (approval !== undefined) await recordInAudit(inbox, approval, answer);
    } catch (error) {
      report(error, `settling client tool call ${approvalId} in the inbox`);
    }
  };
}
