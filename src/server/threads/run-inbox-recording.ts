import { createHash } from 'node:crypto';
import type { ApprovalAnswerer, RequestApproval } from '../../core/approval.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ApprovalRecordRow, RunStartRecord, ThreadStore } from '../../core/thread-store.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { canonicalJson } from '../contracts/canonical-json.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { approvalIdOf, inboxPrincipalOf, type InboxCall } from './inbox-entry.js';
import {
  listClientToolCall,
  recordInInbox,
  settleClientToolCall,
  type InboxChange,
  type RecordInAudit,
  type SettleClientToolCall,
} from './record-in-inbox.js';

/** The SHA-256 of a tool call's input as the audit keeps it (canonical JSON, hex). */
export const inputHashOf = (input: unknown): string =>
  createHash('sha256').update(canonicalJson(input), 'utf8').digest('hex');

/** The approver as the audit keeps it: who vouched for it and who it is, not its claims. */
const approverOf = inboxPrincipalOf;

/** The audit row's `answeredBy` of another principal's answer (`POST /runs/:id/tool-approval`). */
const answererRow = (answerer: ApprovalAnswerer): ApprovalRecordRow['answeredBy'] => ({
  apiKeyHash: answerer.apiKeyHash,
  ...(answerer.user === undefined ? {} : { user: answerer.user }),
  sessionId: answerer.sessionId,
  ...(answerer.principal === undefined ? {} : { principal: answerer.principal }),
});

/** What a run's inbox recording needs of its run record. */
export interface RunInboxParts {
  database: GatewayDatabase;
  store: ThreadStore;
  stores: DatabaseStores;
  session: SessionRecord;
  start: RunStartRecord;
  now: () => number;
  report: (error: unknown, where: string) => void;
  onInboxChange: ((change: InboxChange) => void) | undefined;
  /** Writes how a call's wait ended in the audit (`RecordInAudit`). */
  recordInAudit: RecordInAudit;
  /** Writes the run's start now if it was held back, and resolves once it is written. */
  whenRecorded: () => Promise<void>;
}

/**
 * What one run puts in the approvals inbox and the audit: its approvals (listed while they wait,
 * their decisions written as they are made) and its client-side tool calls. Made at a run's
 * first such call: most chats never make one.
 */
export class RunInboxRecording {
  readonly #parts: RunInboxParts;
  /** The writes of the run's approval decisions (never rejecting); made at the first one. */
  #decisions: Array<Promise<unknown>> | undefined;

  constructor(parts: RunInboxParts) {
    this.#parts = parts;
  }

  /** The writes of the decisions made so far, which the run's end goes after; none if none. */
  get decisions(): ReadonlyArray<Promise<unknown>> | undefined {
    return this.#decisions;
  }

  recordApprovals(requestApproval: RequestApproval): RequestApproval {
    const { database, store, stores, session, start, now, report, onInboxChange, whenRecorded } = this.#parts;
    const { recordInAudit } = this.#parts;
    // Listed in the inbox before it is asked: the start record it refers to is written first.
    const ask = recordInInbox(
      {
        inbox: stores.approvals,
        session,
        start,
        whenRecorded,
        report,
        now,
        onChange: onInboxChange,
        recordInAudit,
      },
      requestApproval,
    );
    return async (approval, signal) => {
      const decision = await ask(approval, signal);
      // A run cancelled while it waited records no decision: nobody made one.
      if (decision === null && signal.aborted) return decision;
      // The start is written now if it was held back (not awaited: a database that is slow or
      // down must not hold the run up). The run's end waits for the decision's write: what
      // reads the run after its end (`GET /runs/:id/approvals`) finds every decision.
      const recorded = whenRecorded();
      this.#decisions ??= [];
      this.#decisions.push(
        recorded.then(() =>
          database.retries.run(`approval of run ${start.id}`, () =>
            store.recordApproval({
              runId: start.id,
              toolCallId: approval.toolCallId,
              toolName: approval.toolName,
              inputHash: inputHashOf(approval.toolInput),
              decision: decision === null ? 'timed_out' : decision.approved ? 'approved' : 'denied',
              alwaysAllow:
                decision?.approved === true &&
                decision.allowToolType === true &&
                approval.allowAlways !== false,
              answeredBy:
                decision?.answeredBy === undefined
                  ? {
                      ...start.owner,
                      sessionId: decision === null ? null : session.sessionId,
                      ...(decision === null || session.principal === undefined
                        ? {}
                        : { principal: approverOf(session.principal) }),
                    }
                  : answererRow(decision.answeredBy),
              answeredAt: now(),
            }),
          ),
        ),
      );
      return decision;
    };
  }

  recordClientToolCall(call: InboxCall): Promise<SettleClientToolCall> {
    const { stores, session, start, now, report, onInboxChange, whenRecorded, recordInAudit } = this.#parts;
    return listClientToolCall(
      {
        inbox: stores.approvals,
        session,
        start,
        whenRecorded,
        report,
        now,
        onChange: onInboxChange,
        recordInAudit,
      },
      call,
    );
  }

  settleClientToolCall(toolCallId: string): SettleClientToolCall {
    const { stores, session, start, now, report, recordInAudit } = this.#parts;
    const approvalId = approvalIdOf(start.id, toolCallId, 'client_tool_result');
    return settleClientToolCall({ inbox: stores.approvals, session, report, now, recordInAudit }, approvalId);
  }
}
