import { budgetRefusalBehind } from './a2a-errors.js';
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
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import type { A2aPushNotifications } from './a2a-push-notifications.js';
import { sessionOf } from './a2a-session-user.js';
import { storedTasksOfContext } from './a2a-stored-task.js';
import type { TaskContexts } from './task-contexts.js';
import { A2aTaskRuns, gateway, type Begun } from './a2a-task-runs.js';

export type { Begun } from './a2a-task-runs.js';

/** Key of `ServerCallContext.state` under which the route puts the request's abort signal. */
export const SIGNAL_STATE_KEY = 'gateway.signal';
/** Where `begin` leaves a budget's refusal of the call for the route (an `HttpError`). */
export const BUDGET_REFUSAL_STATE_KEY = 'gateway.budgetRefusal';
/** Where `begin` leaves the tightest budget of a task it started, for the `x-budget-*` headers. */
export const BUDGET_STANDING_STATE_KEY = 'gateway.budgetStanding';

/** The default and largest page of `ListTasks`. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

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

/**
 * The state `ListTasks` filters on, or undefined for none: an unspecified state, and one the
 * SDK could not name (the 1.x client sends its enum's default, `UNRECOGNIZED`, when a
 * JavaScript caller leaves `status` out), mean no filter rather than a filter matching no task.
 */
const statusFilterOf = (status: TaskState | undefined): TaskState | undefined =>
  status === undefined || status === TaskState.TASK_STATE_UNSPECIFIED || status === TaskState.UNRECOGNIZED
    ? undefined
    : status;

/** The last `historyLength` messages (all when absent, none for 0). */
const withHistoryLength = (task: Task, historyLength: number | undefined): Task =>
  historyLength === undefined
    ? task
    : { ...task, history: historyLength <= 0 ? [] : task.history.slice(-historyLength) };

/**
 * The A2A 1.0 request handler over the gateway's runs: a task is a run of the caller's
 * session, a `contextId` its thread (with `server.database`), the task's state and answer
 * artifact the projection of the run's events (`A2aTaskProjection`). Runs start, stream, wait
 * and resume exactly as on the native routes, so limits, budgets, approvals, suspension and
 * takeover apply unchanged.
 */
export class GatewayA2aHandler implements A2ARequestHandler {
  private readonly runs: A2aTaskRuns;

  constructor(private readonly dependencies: A2aHandlerDependencies) {
    this.runs = new A2aTaskRuns(dependencies.context, dependencies.contexts);
  }

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
      this.runs.holdIfWaiting(begun);
      return this.finalTask(begun, params.configuration?.historyLength);
    }
    for await (const update of this.runs.follow(begun, signal)) void update;
    return this.finalTask(begun, params.configuration?.historyLength);
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const signal = signalOf(context);
    const begun = await this.begin(params, context, signal);
    yield { payload: { $case: 'task', value: begun.projection.task(begun.history) } };
    yield* this.runs.follow(begun, signal);
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    const found = await this.runs.findTask(sessionOf(context), params.id, signalOf(context));
    return withHistoryLength(found.projection.task(), params.historyLength);
  }

  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    if (this.context.config.database?.configured !== true) {
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
    const status = statusFilterOf(params.status);
    const tasks = (page?.tasks ?? [])
      .filter((task) => status === undefined || task.taskState === status)
      .map((task) => {
        const full = withHistoryLength(task.task(), params.historyLength);
        return params.includeArtifacts === true ? full : { ...full, artifacts: [] };
      });
    return { tasks, nextPageToken: page?.nextCursor ?? '', pageSize, totalSize: tasks.length };
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const session = sessionOf(context);
    const signal = signalOf(context);
    const found = await this.runs.findTask(session, params.id, signal);
    if (found.projection.terminal) {
      throw new TaskNotCancelableError(`Task ${params.id} has already ended`);
    }
    if (found.located === undefined || found.located.finished) {
      throw new TaskNotCancelableError(
        `Task ${params.id} is not running in this session${found.projection.taskState === TaskState.TASK_STATE_INPUT_REQUIRED ? ' (it waits suspended: deny its approvals to end it)' : ''}`,
      );
    }
    await gateway(() => this.context.cancelRun(session));
    return (await this.runs.findTask(session, params.id, signal)).projection.task();
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
    const found = await this.runs.findTask(sessionOf(context), params.id, signalOf(context));
    return { ...found, afterSeq: found.projection.seq, history: [] };
  }

  /** Keeps the run of a task that waits for the client alive until its calls are answered. */
  hold(begun: Begun): void {
    this.runs.holdIfWaiting(begun);
  }

  async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const signal = signalOf(context);
    const found = await this.runs.findTask(sessionOf(context), params.id, signal);
    yield { payload: { $case: 'task', value: found.projection.task() } };
    if (found.located === undefined || found.projection.settled) return;
    yield* this.runs.follow({ ...found, afterSeq: found.projection.seq, history: [] }, signal);
  }

  async createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    const push = this.requirePush();
    const session = sessionOf(context);
    const found = await this.runs.findTask(session, params.taskId, signalOf(context));
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
    let begun: Begun;
    try {
      begun =
        message.taskId === ''
          ? await this.runs.startTask(session, message)
          : await this.runs.answerTask(session, message, signal);
    } catch (error) {
      // Told to the route, which answers the refusal with its HTTP status before any stream.
      const refusal = budgetRefusalBehind(error);
      if (refusal !== undefined) context.state.set(BUDGET_REFUSAL_STATE_KEY, refusal);
      throw error;
    }
    if (begun.budgetStanding !== undefined)
      context.state.set(BUDGET_STANDING_STATE_KEY, begun.budgetStanding);
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
}
