import type {
  ApprovalRecordRow,
  RunRecordRow,
  StoredMessage,
  ThreadRecord,
} from '../../core/thread-store.js';
import type { QueuedRunRecord } from '../../core/queued-run-store.js';
import type { BackgroundRunRecord } from '../../core/background-run-store.js';
import { isSessionOwnerId } from '../contracts/session-owner.js';

export { ownerOfSession } from '../contracts/session-owner.js';

/** The end user an owner id names on the wire: null for none, or for a session that owns itself. */
const endUserOf = (user: string | undefined): string | null =>
  user === undefined || isSessionOwnerId(user) ? null : user;

/** Times on the thread routes' wire: ISO 8601 in UTC. */
const isoTime = (ms: number): string => new Date(ms).toISOString();

/** A thread as the routes answer it. */
export const threadToWire = (thread: ThreadRecord): Record<string, unknown> => ({
  thread_id: thread.id,
  title: thread.title,
  metadata: thread.metadata,
  created_at: isoTime(thread.createdAt),
  updated_at: isoTime(thread.updatedAt),
});

/**
 * One stored message: its position, role and canonical content (text or content blocks), and
 * `interrupted: true` on an answer stopped while it streamed.
 */
export const messageToWire = (stored: StoredMessage): Record<string, unknown> => ({
  seq: stored.seq,
  role: stored.message.role,
  content: stored.message.content,
  // An answer stopped while it streamed (`multitask: "interrupt"`, a cancel): its text so far.
  ...(stored.message.role === 'assistant' && stored.message.interrupted === true
    ? { interrupted: true }
    : {}),
  run_id: stored.runId ?? null,
  created_at: isoTime(stored.createdAt),
});

/** A run record as `GET /runs/:id` answers it. */
export const runToWire = (run: RunRecordRow): Record<string, unknown> => ({
  run_id: run.id,
  thread_id: run.threadId,
  status: run.status,
  outcome_code: run.outcomeCode,
  model: run.model,
  turns: run.turns,
  usage: run.usage,
  estimated_cost: run.estimatedCostUsd,
  started_at: isoTime(run.startedAt),
  ended_at: run.endedAt === null ? null : isoTime(run.endedAt),
  multitask_strategy: run.multitask?.strategy ?? null,
  interrupted_run_id: run.multitask?.interruptedRunId ?? null,
});

/**
 * What a run yields, as `GET /runs/:id` and the `run.ended` notification carry it: the caller's
 * `metadata` of a background run (`{}` for a chat), and its `output`, the text of its final
 * assistant message (null before it ended, for a chat, or when it wrote none), with
 * `output_truncated` when that text was cut to `MAX_RUN_OUTPUT_CHARS`.
 */
export const runResultToWire = (background: BackgroundRunRecord | undefined): Record<string, unknown> => ({
  metadata: background?.metadata ?? {},
  output: background?.output?.text ?? null,
  output_truncated: background?.output?.truncated ?? false,
});

/**
 * A run enqueued behind its session's run and not started yet, as `GET /runs/:id` answers it:
 * the fields of a run record that it has no value for yet are null, `queued_at` says since when.
 */
export const queuedRunToWire = (run: QueuedRunRecord): Record<string, unknown> => ({
  run_id: run.runId,
  thread_id: run.threadId,
  status: 'queued',
  outcome_code: null,
  model: typeof run.request['model'] === 'string' ? run.request['model'] : null,
  turns: 0,
  usage: null,
  estimated_cost: null,
  started_at: null,
  ended_at: null,
  multitask_strategy: 'enqueue',
  interrupted_run_id: null,
  queued_at: isoTime(run.queuedAt),
  metadata: run.request['metadata'] ?? {},
  output: null,
  output_truncated: false,
});

/** One approval decision as `GET /runs/:id/approvals` answers it. */
export const approvalToWire = (approval: ApprovalRecordRow): Record<string, unknown> => ({
  run_id: approval.runId,
  tool_call_id: approval.toolCallId,
  tool_name: approval.toolName,
  input_hash: approval.inputHash,
  decision: approval.decision,
  always_allow: approval.alwaysAllow,
  answered_by: {
    user: endUserOf(approval.answeredBy.user),
    session_id: approval.answeredBy.sessionId,
    principal: approval.answeredBy.principal ?? null,
  },
  answered_at: isoTime(approval.answeredAt),
});
