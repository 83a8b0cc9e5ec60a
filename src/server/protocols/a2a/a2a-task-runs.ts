import { randomBytes, randomUUID } from 'node:crypto';
import { TaskState, type Message, type StreamResponse } from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import { iterateFollowing, type LogEntrySource } from '../../../agent/log-follower.js';
import type { LogEntry } from '../../../core/events.js';
import { HttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { BudgetStanding } from '../../../core/budget-gate.js';
import { THREAD_ID_PATTERN } from '../../../core/thread-limits.js';
import type { LocatedRun } from '../../chat/session-runs.js';
import type { ChatBody } from '../../contracts/request-schemas.js';
import { continueThread } from '../../threads/continue-thread.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { resumeSeqAfter } from '../held-runs.js';
import { toA2aError } from './a2a-errors.js';
import { answersOfMessage, textOfMessage, type CallAnswer } from './a2a-message-parts.js';
import { storedTask } from './a2a-stored-task.js';
import type { A2aPendingAnswer } from './a2a-pending-answer.js';
import { A2aTaskProjection } from './a2a-task-projection.js';
import type { TaskContexts } from './task-contexts.js';
import { streamResumeOf } from '../../chat/stream-resume-of.js';
import { resumeUpdate } from './a2a-framing.js';

/** How long past a call's expiry a task that waits on it keeps its run alive for the answer. */
const HOLD_SLACK_MS = 5_000;

/** A task about to be streamed: the run to follow, from where, and what is known of it. */
export interface Begun {
  located: LocatedRun | undefined;
  projection: A2aTaskProjection;
  afterSeq: number;
  history: Message[];
  /** The tightest budget of a task started now (the response's `x-budget-*` headers). */
  budgetStanding?: BudgetStanding | undefined;
}

const entriesOf = (source: LogEntrySource, signal: AbortSignal): AsyncIterable<LogEntry> =>
  typeof source === 'function'
    ? source(signal)
    : iterateFollowing((follower) => source.follow(follower), signal);

/** Runs a gateway call, turning its HTTP errors into A2A errors. */
export async function gateway<Result>(call: () => Promise<Result>): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    throw toA2aError(error);
  }
}

/**
 * The runs behind A2A tasks: starting one for a message, answering the calls a task waits
 * for, finding a task (the caller's session, else the owner's database) and following its run
 * into task updates. The request handler speaks A2A around it.
 */
export class A2aTaskRuns {
  constructor(
    private readonly context: ProtocolRouteContext,
    private readonly contexts: TaskContexts,
  ) {}

  async startTask(session: SessionRecord, message: Message): Promise<Begun> {
    const text = textOfMessage(message);
    const database =
      this.context.config.database?.configured === true ? this.context.config.database : undefined;
    const contextId =
      message.contextId !== ''
        ? message.contextId
        : database === undefined
          ? randomUUID()
          : `thr_${randomBytes(16).toString('hex')}`;
    if (database !== undefined && !THREAD_ID_PATTERN.test(contextId)) {
      throw new RequestMalformedError('contextId must be 1 to 128 letters, digits, "_", "-", "." or ":"');
    }
    const body: ChatBody = { messages: [{ role: 'user', content: text }], context: { channel: 'a2a' } };
    const { located, runId, budgetStanding } = await gateway(async () => {
      // A message in a stored thread takes the thread's lock as every surface does (one run
      // per thread): the history is read once the lock is held.
      const run =
        database === undefined
          ? await this.context.sessionRuns.start(session, body)
          : await this.context.sessionRuns.start(
              session,
              () =>
                continueThread({
                  database,
                  session,
                  body: { ...body, thread_id: contextId },
                  report: this.context.report,
                }),
              { threadId: contextId },
            );
      const started = await this.context.sessionRuns.locate(session.sessionId);
      if (started?.runId !== run.runId)
        throw HttpError.detail(503, 'The run ended before it could be followed');
      return { located: started, runId: run.runId, budgetStanding: run.budgetStanding };
    });
    this.contexts.remember(runId, contextId);
    return {
      located,
      projection: new A2aTaskProjection(runId, contextId),
      afterSeq: 0,
      history: [{ ...message, taskId: runId, contextId }],
      budgetStanding,
    };
  }

  /** A follow-up message in a task that waits: its data parts answer the calls. */
  async answerTask(session: SessionRecord, message: Message, signal: AbortSignal): Promise<Begun> {
    const taskId = message.taskId;
    const found = await this.findTask(session, taskId, signal);
    // An ended task refuses any follow-up the same way, whatever the message carries.
    if (found.projection.terminal) {
      throw new UnsupportedOperationError(
        `Task ${taskId} has ended; send a new message (same contextId) to continue the conversation`,
      );
    }
    const answers = answersOfMessage(message);
    const open = found.projection.pendingAnswers();
    if (open.length === 0) throw new UnsupportedOperationError(`Task ${taskId} does not wait for an answer`);
    const answered = new Set<string>();
    let resumed = false;
    for (const answer of answers) {
      const call = this.callOf(open, answer);
      const response = await gateway(() =>
        call.kind === 'approval'
          ? this.context.answers.answerApproval(session, {
              tool_call_id: call.toolCallId,
              nonce: answer.nonce ?? call.nonce,
              approved: answer.approved === true,
              allow_tool_type: answer.alwaysAllow,
            })
          : this.context.answers.answerToolResult(session, {
              tool_call_id: call.toolCallId,
              nonce: answer.nonce ?? call.nonce,
              result: answer.result ?? null,
              error: answer.error ?? null,
            }),
      );
      if (response.status >= 300) throw toA2aError(new HttpError(response.status, response.body));
      if (response.body['resumed'] === true) resumed = true;
      answered.add(call.toolCallId);
    }
    const contextId = message.contextId !== '' ? message.contextId : found.projection.contextId;
    const located = await gateway(() => this.context.sessionRuns.locate(session.sessionId));
    if (located?.runId !== taskId) {
      // A suspended run resumes once every call it waits for is answered: until then it waits.
      const projection = (await this.findTask(session, taskId, signal)).projection;
      return { located: undefined, projection, afterSeq: 0, history: [message] };
    }
    const entries = resumed ? [] : await gateway(() => located.snapshot(signal));
    const afterSeq = resumed ? 0 : resumeSeqAfter(entries, answered);
    const projection = new A2aTaskProjection(taskId, contextId).foldAll(
      entries.filter((entry) => entry.seq <= afterSeq),
    );
    if (resumed) projection.waitFor(open);
    projection.answered(answered);
    return { located, projection, afterSeq, history: [message] };
  }

  private callOf(open: readonly A2aPendingAnswer[], answer: CallAnswer): A2aPendingAnswer {
    const call =
      answer.toolCallId === undefined
        ? open.length === 1
          ? open[0]
          : undefined
        : open.find((each) => each.toolCallId === answer.toolCallId);
    if (call === undefined) {
      throw new RequestMalformedError(
        answer.toolCallId === undefined
          ? `The task waits for ${open.length} calls: name each with tool_call_id`
          : `The task does not wait for tool call ${answer.toolCallId}`,
      );
    }
    if (call.kind === 'approval' && answer.approved === undefined) {
      throw new RequestMalformedError(
        `Tool call ${call.toolCallId} waits for an approval: send "approved": true|false`,
      );
    }
    if (call.kind === 'client_tool' && answer.approved !== undefined) {
      throw new RequestMalformedError(
        `Tool call ${call.toolCallId} waits for the client's result: send "result" or "error"`,
      );
    }
    return call;
  }

  /**
   * The caller's task: the run of its session (live, or recent while retained), else the run
   * its owner's database records. `TaskNotFoundError` otherwise, another owner's task included.
   */
  async findTask(
    session: SessionRecord,
    taskId: string,
    signal: AbortSignal,
  ): Promise<{ projection: A2aTaskProjection; located: LocatedRun | undefined }> {
    if (taskId === '') throw new RequestMalformedError('The task id is missing');
    const located = await gateway(() => this.context.sessionRuns.locate(session.sessionId));
    if (located?.runId === taskId) {
      const entries = await gateway(() => located.snapshot(signal));
      const known = this.contexts.get(taskId);
      const projection = new A2aTaskProjection(taskId, known ?? taskId).foldAll(entries);
      // A log that ended in a suspension may be stale: the database says whether the run
      // resumed since (on another instance).
      const suspendedHere = located.finished && projection.taskState === TaskState.TASK_STATE_INPUT_REQUIRED;
      if (known !== undefined && !suspendedHere) return { projection, located };
      const stored = await gateway(() => storedTask(this.context, session, taskId));
      if (suspendedHere && stored !== undefined && stored.taskState !== TaskState.TASK_STATE_INPUT_REQUIRED) {
        return { projection: stored, located: undefined };
      }
      const contextId = known ?? stored?.contextId ?? taskId;
      return { projection: new A2aTaskProjection(taskId, contextId).foldAll(entries), located };
    }
    const stored = await gateway(() => storedTask(this.context, session, taskId));
    if (stored === undefined) throw new TaskNotFoundError(`Task ${taskId} not found`);
    return { projection: stored, located: undefined };
  }

  /** The task's updates from the run's log until it ends or waits for the client. */
  async *follow(begun: Begun, signal: AbortSignal): AsyncGenerator<StreamResponse, void, undefined> {
    const { located, projection } = begun;
    if (located === undefined || projection.settled) return;
    const follower = located.follow(begun.afterSeq);
    try {
      for await (const entry of entriesOf(follower.entries, signal)) {
        yield* projection.fold(entry);
        if (projection.settled) break;
      }
    } finally {
      follower.leave();
    }
    // The run goes on on another instance: the client subscribes to the task again there.
    const handedOver =
      projection.settled || located.local === undefined ? undefined : streamResumeOf(located.local);
    if (handedOver !== undefined) yield resumeUpdate(projection, handedOver);
    this.holdIfWaiting(begun);
  }

  /** Keeps a run that waits for the client alive until its calls are answered or expire. */
  holdIfWaiting(begun: Begun): void {
    const { located, projection } = begun;
    if (located === undefined || projection.taskState !== TaskState.TASK_STATE_INPUT_REQUIRED) return;
    for (const call of projection.pendingAnswers()) {
      const holdMs =
        call.expiresAt === undefined
          ? HOLD_SLACK_MS
          : Math.max(0, call.expiresAt * 1000 - Date.now()) + HOLD_SLACK_MS;
      located.holdUntilAnswered(call.toolCallId, projection.seq, AbortSignal.timeout(holdMs));
    }
  }
}
