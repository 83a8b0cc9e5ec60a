import { randomBytes, randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import {
  ExtendedAgentCardNotConfiguredError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import { iterateFollowing, type LogEntrySource } from '../../../agent/log-follower.js';
import type { LogEntry } from '../../../core/events.js';
import { HttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import { THREAD_ID_PATTERN } from '../../../core/thread-limits.js';
import type { LocatedRun } from '../../chat/session-runs.js';
import type { ChatBody } from '../../http/request-schemas.js';
import { continueThread } from '../../threads/continue-thread.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { resumeSeqAfter } from '../suspension.js';
import { toA2aError } from './a2a-errors.js';
import { answersOfMessage, textOfMessage, type CallAnswer } from './a2a-message-parts.js';
import type { A2aPushNotifications } from './a2a-push-notifications.js';
import { sessionOf } from './a2a-session-user.js';
import { storedTask, storedTasksOfContext } from './a2a-stored-task.js';
import { A2aTaskProjection, type OpenCall } from './a2a-task-projection.js';
import type { TaskContexts } from './task-contexts.js';

/** Key of `ServerCallContext.state` under which the route puts the request's abort signal. */
export const SIGNAL_STATE_KEY = 'gateway.signal';

/** How long past a call's expiry a task that waits on it keeps its run alive for the answer. */
const HOLD_SLACK_MS = 5_000;

/** The default and largest page of `ListTasks`. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/** A task about to be streamed: the run to follow, from where, and what is known of it. */
export interface Begun {
  located: LocatedRun | undefined;
  projection: A2aTaskProjection;
  afterSeq: number;
  history: Message[];
}

/** What the A2A request handler needs from the app. */
export interface A2aHandlerDependencies {
  context: ProtocolRouteContext;
  /** The agent card for this request (its URLs follow the request's origin unless configured). */
  agentCard: () => Promise<AgentCard>;
  contexts: TaskContexts;
  push: A2aPushNotifications | undefined;
}

const signalOf = (context: ServerCallContext): AbortSignal => {
  const signal = context.state.get(SIGNAL_STATE_KEY);
  return signal instanceof AbortSignal ? signal : new AbortController().signal;
};

const entriesOf = (source: LogEntrySource, signal: AbortSignal): AsyncIterable<LogEntry> =>
  typeof source === 'function'
    ? source(signal)
    : iterateFollowing((follower) => source.follow(follower), signal);

/** The last `historyLength` messages (all when absent, none for 0). */
const withHistoryLength = (task: Task, historyLength: number | undefined): Task =>
  historyLength === undefined
    ? task
    : { ...task, history: historyLength <= 0 ? [] : task.history.slice(-historyLength) };

/** Runs a gateway call, turning its HTTP errors into A2A errors. */
async function gateway<Result>(call: () => Promise<Result>): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    throw toA2aError(error);
  }
}

/**
 * The A2A 1.0 request handler over the gateway's runs: a task is a run of the caller's
 * session, a `contextId` its thread (with `server.database`), the task's state and answer
 * artifact the projection of the run's events (`A2aTaskProjection`). Runs start, stream, wait
 * and resume exactly as on the native routes, so limits, budgets, approvals, suspension and
 * takeover apply unchanged.
 */
export class GatewayA2aHandler implements A2ARequestHandler {
  constructor(private readonly dependencies: A2aHandlerDependencies) {}

  private get context(): ProtocolRouteContext {
    return this.dependencies.context;
  }

  getAgentCard(): Promise<AgentCard> {
    return this.dependencies.agentCard();
  }

  getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    return Promise.reject(new ExtendedAgentCardNotConfiguredError());
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const signal = signalOf(context);
    const begun = await this.begin(params, context, signal);
    if (params.configuration?.returnImmediately === true || begun.projection.settled) {
      this.holdIfWaiting(begun);
      return this.finalTask(begun, params.configuration?.historyLength);
    }
    for await (const update of this.follow(begun, signal)) void update;
    return this.finalTask(begun, params.configuration?.historyLength);
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const signal = signalOf(context);
    const begun = await this.begin(params, context, signal);
    yield { payload: { $case: 'task', value: begun.projection.task(begun.history) } };
    yield* this.follow(begun, signal);
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    const found = await this.findTask(sessionOf(context), params.id, signalOf(context));
    return withHistoryLength(found.projection.task(), params.historyLength);
  }

  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    if (this.context.config.threads?.configured !== true) {
      throw new UnsupportedOperationError('Listing tasks needs server.database (tasks are recorded there)');
    }
    if (params.contextId === '') {
      throw new RequestMalformedError('ListTasks needs contextId: the thread whose tasks to list');
    }
    const pageSize = Math.min(Math.max(params.pageSize ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const page = await gateway(() =>
      storedTasksOfContext(this.context, sessionOf(context), params.contextId, {
        limit: pageSize,
        ...(params.pageToken === '' ? {} : { cursor: params.pageToken }),
      }),
    );
    const tasks = (page?.tasks ?? [])
      .filter(
        (task) => params.status === TaskState.TASK_STATE_UNSPECIFIED || task.taskState === params.status,
      )
      .map((task) => {
        const full = withHistoryLength(task.task(), params.historyLength);
        return params.includeArtifacts === true ? full : { ...full, artifacts: [] };
      });
    return { tasks, nextPageToken: page?.nextCursor ?? '', pageSize, totalSize: tasks.length };
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const session = sessionOf(context);
    const signal = signalOf(context);
    const found = await this.findTask(session, params.id, signal);
    if (found.projection.terminal) {
      throw new TaskNotCancelableError(`Task ${params.id} has already ended`);
    }
    if (found.located === undefined || found.located.finished) {
      throw new TaskNotCancelableError(
        `Task ${params.id} is not running in this session${found.projection.taskState === TaskState.TASK_STATE_INPUT_REQUIRED ? ' (it waits suspended: deny its approvals to end it)' : ''}`,
      );
    }
    await gateway(() => this.context.cancelRun(session));
    return (await this.findTask(session, params.id, signal)).projection.task();
  }

  /**
   * What `SendStreamingMessage` streams, for a route that frames the run's events itself: the
   * task started (or answered), the run to follow and from where.
   */
  streamStart(params: SendMessageRequest, context: ServerCallContext): Promise<Begun> {
    return this.begin(params, context, signalOf(context));
  }

  /** What `SubscribeToTask` streams, likewise: the task as it stands and its run from there. */
  async subscribeStart(params: SubscribeToTaskRequest, context: ServerCallContext): Promise<Begun> {
    const found = await this.findTask(sessionOf(context), params.id, signalOf(context));
    return { ...found, afterSeq: found.projection.seq, history: [] };
  }

  /** Keeps the run of a task that waits for the client alive until its calls are answered. */
  hold(begun: Begun): void {
    this.holdIfWaiting(begun);
  }

  async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const signal = signalOf(context);
    const found = await this.findTask(sessionOf(context), params.id, signal);
    yield { payload: { $case: 'task', value: found.projection.task() } };
    if (found.located === undefined || found.projection.settled) return;
    yield* this.follow({ ...found, afterSeq: found.projection.seq, history: [] }, signal);
  }

  async createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    const push = this.requirePush();
    const session = sessionOf(context);
    const found = await this.findTask(session, params.taskId, signalOf(context));
    return push.create(session, params, found.located, found.projection);
  }

  getTaskPushNotificationConfig(
    params: GetTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    return Promise.resolve(this.requirePush().get(sessionOf(context), params.taskId, params.id));
  }

  listTaskPushNotificationConfigs(
    params: ListTaskPushNotificationConfigsRequest,
    context: ServerCallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    return Promise.resolve({
      configs: this.requirePush().list(sessionOf(context), params.taskId),
      nextPageToken: '',
    });
  }

  deleteTaskPushNotificationConfig(
    params: DeleteTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<void> {
    this.requirePush().delete(sessionOf(context), params.taskId, params.id);
    return Promise.resolve();
  }

  private requirePush(): A2aPushNotifications {
    const push = this.dependencies.push;
    if (push === undefined) throw new PushNotificationNotSupportedError();
    return push;
  }

  private finalTask(begun: Begun, historyLength: number | undefined): Task {
    return withHistoryLength(begun.projection.task(begun.history), historyLength);
  }

  /** Starts the task a message asks for, or hands a follow-up message's answers to its run. */
  private async begin(
    params: SendMessageRequest,
    context: ServerCallContext,
    signal: AbortSignal,
  ): Promise<Begun> {
    const message = params.message;
    if (message === undefined) throw new RequestMalformedError('SendMessage needs a message');
    const session = sessionOf(context);
    const begun =
      message.taskId === ''
        ? await this.startTask(session, message)
        : await this.answerTask(session, message, signal);
    const config = params.configuration?.taskPushNotificationConfig;
    if (config !== undefined) {
      await this.requirePush().create(
        session,
        { ...config, taskId: begun.projection.taskId },
        begun.located,
        begun.projection,
      );
    }
    return begun;
  }

  private async startTask(session: SessionRecord, message: Message): Promise<Begun> {
    const text = textOfMessage(message);
    const database =
      this.context.config.threads?.configured === true ? this.context.config.threads : undefined;
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
    const { located, runId } = await gateway(async () => {
      const request =
        database === undefined
          ? body
          : await continueThread({
              database,
              session,
              body: { ...body, thread_id: contextId },
              report: this.context.report,
            });
      const run = await this.context.sessionRuns.start(session, request);
      const started = await this.context.sessionRuns.locate(session.sessionId);
      if (started?.runId !== run.runId)
        throw HttpError.detail(503, 'The run ended before it could be followed');
      return { located: started, runId: run.runId };
    });
    this.dependencies.contexts.remember(runId, contextId);
    return {
      located,
      projection: new A2aTaskProjection(runId, contextId),
      afterSeq: 0,
      history: [{ ...message, taskId: runId, contextId }],
    };
  }

  /** A follow-up message in a task that waits: its data parts answer the calls. */
  private async answerTask(session: SessionRecord, message: Message, signal: AbortSignal): Promise<Begun> {
    const taskId = message.taskId;
    const answers = answersOfMessage(message);
    const found = await this.findTask(session, taskId, signal);
    if (found.projection.terminal) {
      throw new UnsupportedOperationError(
        `Task ${taskId} has ended; send a new message (same contextId) to continue the conversation`,
      );
    }
    const open = found.projection.openCalls();
    if (open.length === 0) throw new UnsupportedOperationError(`Task ${taskId} does not wait for an answer`);
    const answered = new Set<string>();
    let resumed = false;
    for (const answer of answers) {
      const call = this.callOf(open, answer);
      const response = await gateway(() =>
        call.kind === 'approval'
          ? this.context.answerApproval(session, {
              tool_call_id: call.toolCallId,
              nonce: answer.nonce ?? call.nonce,
              approved: answer.approved === true,
              allow_tool_type: answer.alwaysAllow,
            })
          : this.context.answerToolResult(session, {
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

  private callOf(open: readonly OpenCall[], answer: CallAnswer): OpenCall {
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
  private async findTask(
    session: SessionRecord,
    taskId: string,
    signal: AbortSignal,
  ): Promise<{ projection: A2aTaskProjection; located: LocatedRun | undefined }> {
    if (taskId === '') throw new RequestMalformedError('The task id is missing');
    const located = await gateway(() => this.context.sessionRuns.locate(session.sessionId));
    if (located?.runId === taskId) {
      const entries = await gateway(() => located.snapshot(signal));
      const known = this.dependencies.contexts.get(taskId);
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
  private async *follow(begun: Begun, signal: AbortSignal): AsyncGenerator<StreamResponse, void, undefined> {
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
    this.holdIfWaiting(begun);
  }

  /** Keeps a run that waits for the client alive until its calls are answered or expire. */
  private holdIfWaiting(begun: Begun): void {
    const { located, projection } = begun;
    if (located === undefined || projection.taskState !== TaskState.TASK_STATE_INPUT_REQUIRED) return;
    for (const call of projection.openCalls()) {
      const holdMs =
        call.expiresAt === undefined
          ? HOLD_SLACK_MS
          : Math.max(0, call.expiresAt * 1000 - Date.now()) + HOLD_SLACK_MS;
      located.holdUntilAnswered(call.toolCallId, projection.seq, AbortSignal.timeout(holdMs));
    }
  }
}
