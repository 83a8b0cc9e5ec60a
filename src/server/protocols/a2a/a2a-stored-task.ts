import { TaskState } from '@a2a-js/sdk';
import type { Message } from '../../../core/messages.js';
import type { RunRecordRow, StoredMessage } from '../../../core/thread-store.js';
import { THREAD_ID_PATTERN } from '../../../core/thread-limits.js';
import type { SessionRecord } from '../../../core/stores.js';
import { settledWithin } from '../../database/settled-within.js';
import { callThreadStore } from '../../threads/call-thread-store.js';
import { ownerOfSession } from '../../threads/thread-wire.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { A2aTaskProjection } from './a2a-task-projection.js';

const stateOfRecord: Record<RunRecordRow['status'], TaskState> = {
  running: TaskState.TASK_STATE_WORKING,
  suspended: TaskState.TASK_STATE_INPUT_REQUIRED,
  completed: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  cancelled: TaskState.TASK_STATE_CANCELED,
  // Its budget stopped it: what it did is kept, the task did not finish.
  budget_exceeded: TaskState.TASK_STATE_FAILED,
};

const textOf = (message: Message): string =>
  typeof message.content === 'string'
    ? message.content
    : message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

/**
 * The answer a run wrote to its thread: the text of each of its assistant messages (one per
 * model turn) that has any.
 */
export function answerOfRun(messages: readonly StoredMessage[], runId: string): string[] {
  return messages
    .filter((stored) => stored.runId === runId && stored.message.role === 'assistant')
    .map((stored) => textOf(stored.message))
    .filter((text) => text !== '');
}

/** A task read back from its run record (the run's log is gone or on no reachable instance). */
export function projectionOfRecord(
  record: RunRecordRow,
  messages: readonly StoredMessage[],
  pendingAnswers: readonly { toolCallId: string; kind: string; nonce: string; toolName: string }[],
): A2aTaskProjection {
  const projection = new A2aTaskProjection(record.id, record.threadId ?? record.id);
  const state = stateOfRecord[record.status];
  const answer = answerOfRun(messages, record.id);
  if (state === TaskState.TASK_STATE_FAILED) {
    projection.settle(
      state,
      answer,
      `The run failed (${record.outcomeCode ?? 'internal_error'})`,
      record.outcomeCode ?? 'internal_error',
    );
  } else projection.settle(state, answer);
  if (record.status === 'suspended') {
    projection.waitFor(
      pendingAnswers.map((call) => ({
        kind: call.kind === 'approval' ? 'approval' : 'client_tool',
        toolCallId: call.toolCallId,
        nonce: call.nonce,
        toolName: call.toolName,
        input: {},
        expiresAt: undefined,
      })),
    );
  }
  return projection;
}

/** How long a read of a task waits for its run's end written on this instance (then reads anyway). */
const RUN_END_WAIT_MS = 2_000;

/**
 * The session owner's task `taskId` as the database records it, or undefined (no database, or
 * no such run of this owner). 503 `store_unavailable` when the database fails.
 */
export async function storedTask(
  context: ProtocolRouteContext,
  session: SessionRecord,
  taskId: string,
): Promise<A2aTaskProjection | undefined> {
  const database = context.config.database;
  // An id no run can have (a NUL character in it, say) is not found, without asking.
  if (database?.configured !== true || !THREAD_ID_PATTERN.test(taskId)) return undefined;
  const owner = ownerOfSession(session);
  // A run that ended here a moment ago: its end (held back or under way) is written first.
  await settledWithin(database.runEnded(taskId), RUN_END_WAIT_MS);
  return callThreadStore(database, context.report, async (store, stores) => {
    const record = await store.getRun(owner, taskId);
    if (record === undefined) return undefined;
    const messages =
      record.threadId === null ? [] : ((await store.loadMessages(owner, record.threadId)) ?? []);
    const calls =
      record.status === 'suspended'
        ? ((await stores.suspendedRuns?.pendingAnswers(owner, taskId)) ?? [])
        : [];
    return projectionOfRecord(record, messages, calls);
  });
}

/** The session owner's tasks of one context (thread), newest first, a page at a time. */
export async function storedTasksOfContext(
  context: ProtocolRouteContext,
  session: SessionRecord,
  contextId: string,
  page: { limit: number; cursor?: string },
): Promise<{ tasks: A2aTaskProjection[]; nextCursor: string | undefined } | undefined> {
  const database = context.config.database;
  if (database?.configured !== true || !THREAD_ID_PATTERN.test(contextId)) return undefined;
  const owner = ownerOfSession(session);
  return callThreadStore(database, context.report, async (store, stores) => {
    const runs = await store.listRuns(owner, contextId, page);
    if (runs === undefined) return undefined;
    const messages = (await store.loadMessages(owner, contextId)) ?? [];
    const tasks = await Promise.all(
      runs.items.map(async (record) =>
        projectionOfRecord(
          record,
          messages,
          record.status === 'suspended'
            ? ((await stores.suspendedRuns?.pendingAnswers(owner, record.id)) ?? [])
            : [],
        ),
      ),
    );
    return { tasks, nextCursor: runs.nextCursor };
  });
}
