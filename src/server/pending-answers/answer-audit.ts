import type { MessageBus } from '../../core/stores.js';
import { publishInboxChange } from '../threads/inbox-change-bus.js';
import type { RecordInAudit } from '../threads/record-in-inbox.js';

/** Options of `createAnswerAudit`. */
export interface AnswerAuditOptions {
  /** Carries the audit's records to every instance's `GET /approvals/stream`. */
  bus: MessageBus;
  report: (error: unknown, where: string) => void;
}

/**
 * The audit of pending answers: how each call listed in the inbox stopped waiting (approved,
 * denied, answered, timed out), who answered and when (`ApprovalInboxStore.settle`), and the
 * inbox's followers told of it. This is its only writer: the answering service records an answer
 * it accepted, and a run records how its own wait ended (its decision, or its timeout) through
 * the same `record`, handed down to the run's recording. The store keeps an entry's first record
 * and refuses the others, so whichever comes first is the audit and followers hear of it once.
 */
export interface AnswerAudit {
  /**
   * Records `answer` for `approval` in `inbox`; resolves whether this record is the entry's. A
   * store that fails is reported and resolves false: the inbox is a view, the answer stands.
   */
  record: RecordInAudit;
}

/** Makes the audit writer (see `AnswerAudit`); it holds nothing, so one per app or per run. */
export function createAnswerAudit(options: AnswerAuditOptions): AnswerAudit {
  const { bus, report } = options;
  return {
    async record(inbox, approval, answer) {
      try {
        if (!(await inbox.settle(approval.approvalId, answer))) return false;
      } catch (error) {
        report(error, `settling approval ${approval.approvalId} in the inbox`);
        return false;
      }
      publishInboxChange(bus, { type: 'settled', approval, answer }, report);
      return true;
    },
  };
}
