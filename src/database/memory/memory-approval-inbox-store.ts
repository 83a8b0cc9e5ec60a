import {
  inboxStateOf,
  type ApprovalInboxStore,
  type InboxApproval,
  type InboxApprovalRequest,
  type InboxAnswer,
} from '../../core/approval-inbox-store.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { clampLimit } from '../sql/page-cursor.js';
import { MAX_INBOX_PAGE } from '../sql/sql-approval-inbox-store.js';
import { pageOf } from './memory-page.js';
import { copy, sameOwner, settle, type MemoryThreadState } from './memory-thread-state.js';
import { ChurnMap } from '../../core/churn-map.js';

interface InboxEntry {
  request: InboxApprovalRequest;
  answer?: InboxAnswer;
}

/**
 * The approvals inbox of a memory thread store: the same rules as the SQL one (an approval is
 * pending while unanswered, its run running or suspended, before its expiry, and with no answer
 * on its way to the run), over the store's own runs, threads and suspended runs.
 */
export function createMemoryApprovalInboxStore(
  state: Pick<MemoryThreadState, 'threads' | 'runs' | 'open' | 'now'>,
  suspendedRuns: SuspendedRunStore,
): ApprovalInboxStore {
  const entries = new ChurnMap<string, InboxEntry>();

  const view = (entry: InboxEntry): InboxApproval => {
    const { request } = entry;
    const run = state.runs.get(request.runId);
    const thread = request.threadId === null ? undefined : state.threads.get(request.threadId);
    return copy({
      ...request,
      kind: request.kind ?? 'tool_approval',
      state: inboxStateOf(entry.answer, run?.row.status),
      threadTitle: thread?.record.title ?? null,
      ...(entry.answer === undefined ? {} : { answer: entry.answer }),
    });
  };

  const isPending = async (entry: InboxEntry, now: number): Promise<boolean> => {
    if (entry.answer !== undefined) return false;
    const { runId, toolCallId, requester } = entry.request;
    const status = state.runs.get(runId)?.row.status;
    if (status === 'suspended') {
      const open = await suspendedRuns.pendingAnswers(requester.owner, runId);
      return open?.some((call) => call.toolCallId === toolCallId) === true;
    }
    if (status !== 'running' || entry.request.expiresAt <= now) return false;
    return !(await suspendedRuns.keptAnswers(runId)).has(toolCallId);
  };

  return {
    request: (approval) =>
      settle(() => {
        state.open();
        const known = entries.get(approval.approvalId);
        if (known === undefined) {
          entries.set(approval.approvalId, { request: copy(approval) });
          return true;
        }
        if (known.answer === undefined) {
          const { sessionId, nonce, expiresAt } = approval;
          known.request = { ...known.request, sessionId, nonce, expiresAt };
        }
        return false;
      }),

    settle: (approvalId, answer) =>
      settle(() => {
        state.open();
        const entry = entries.get(approvalId);
        if (entry === undefined || entry.answer !== undefined) return false;
        entry.answer = copy(answer);
        return true;
      }),

    get: (approvalId) =>
      settle(() => {
        state.open();
        const entry = entries.get(approvalId);
        return entry === undefined ? undefined : view(entry);
      }),

    async list(query) {
      state.open();
      const chosen: InboxEntry[] = [];
      for (const entry of entries.values()) {
        const { requester } = entry.request;
        const whose =
          sameOwner(requester.owner, query.owner) ||
          (query.tenantKey !== undefined && requester.tenantKey === query.tenantKey);
        if (!whose) continue;
        const pending = await isPending(entry, query.now);
        if (query.status === 'pending' ? pending : entry.answer !== undefined) chosen.push(entry);
      }
      const page = pageOf(
        chosen,
        (entry) => ({
          at: query.status === 'pending' ? entry.request.requestedAt : (entry.answer?.answeredAt ?? 0),
          id: entry.request.approvalId,
        }),
        {
          limit: clampLimit(query.limit, MAX_INBOX_PAGE),
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        },
      );
      return { ...page, items: page.items.map(view) };
    },
  };
}
