import { ToolError } from '../../core/tool.js';
import type { Logger } from '../../core/logger.js';
import type { SubAgentResult } from './run-sub-agent.js';
import { ChurnMap } from '../../core/churn-map.js';

/** Where a background sub-agent stands. */
export type BackgroundTaskStatus = 'running' | 'completed' | 'error';

/** What `run_agent(background: true)` returns. */
export interface BackgroundLaunch {
  task_id: string;
  status: 'running';
  agent?: string;
}

/** What `get_background_result` reports about one task. */
export type BackgroundTaskReport = {
  task_id: string;
  status: BackgroundTaskStatus;
  agent?: string;
  elapsed_seconds: number;
  error?: string;
} & Partial<SubAgentResult>;

interface BackgroundTask {
  id: string;
  agent: string | undefined;
  startedAt: number;
  finishedAt: number | undefined;
  status: BackgroundTaskStatus;
  result: SubAgentResult | undefined;
  error: string | undefined;
  controller: AbortController;
  /** Settles (never rejects) when the task has finished, whatever the outcome. */
  done: Promise<void>;
}

/** The background sub-agents of one parent run. */
export interface BackgroundSubAgents {
  /** Throws `ToolError('max_background_tasks')` when the limit of running tasks is reached. */
  assertCapacity(): void;
  /** Starts `run` as task `bg_<n>`; its signal aborts when the task is cancelled. */
  launch(agent: string | undefined, run: (signal: AbortSignal) => Promise<SubAgentResult>): BackgroundLaunch;
  /** Whether `taskId` names a task. */
  has(taskId: string): boolean;
  /** Reports one task (or every task, by start, for `*`), after waiting up to `waitMs` if given. */
  report(
    taskId: string,
    options: { waitMs?: number; signal: AbortSignal },
  ): Promise<BackgroundTaskReport | { tasks: BackgroundTaskReport[] }>;
  /** "[Background tasks active: bg_0 (agent, running, 12s), …]", or undefined when none runs. */
  reminder(): string | undefined;
  /** Stops launches; waits for running tasks (up to the drain time unless `cancel`), then cancels the rest. */
  close(options: { cancel: boolean }): Promise<void>;
}

const CANCELLED = 'Task was cancelled';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Resolves after `milliseconds` or when `signal` aborts; the timer never outlives the wait. */
function pause(milliseconds: number, signal?: AbortSignal): { promise: Promise<void>; cancel: () => void } {
  let cancel = (): void => {};
  const promise = new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, milliseconds);
    cancel = finish;
    if (signal?.aborted === true) finish();
    else signal?.addEventListener('abort', finish, { once: true });
  });
  return { promise, cancel };
}

/**
 * Creates the registry of a parent run's background sub-agents.
 *
 * A task owns an AbortController that is independent of the `run_agent` call that started it
 * (that call returns at once); it is aborted by `close({ cancel: true })`, by the end of the
 * drain in `close({ cancel: false })`, or by `parentSignal`. A finished task keeps its result
 * until the registry is dropped, so the model may read it more than once.
 */
export function createBackgroundSubAgents(options: {
  maxRunning: number;
  drainTimeoutMs: number;
  parentSignal: AbortSignal | undefined;
  logger: Logger;
}): BackgroundSubAgents {
  const tasks = new ChurnMap<string, BackgroundTask>();
  let nextId = 0;
  let closing: Promise<void> | undefined;
  let cancelRequested = false;

  const running = (): BackgroundTask[] => [...tasks.values()].filter((task) => task.status === 'running');
  const cancelAll = (): void => {
    for (const task of running()) task.controller.abort(new Error(CANCELLED));
  };
  const onParentAbort = (): void => cancelAll();
  options.parentSignal?.addEventListener('abort', onParentAbort, { once: true });

  const elapsedSeconds = (task: BackgroundTask): number =>
    Math.round(((task.finishedAt ?? performance.now()) - task.startedAt) / 100) / 10;

  const describeTask = (task: BackgroundTask): BackgroundTaskReport => ({
    task_id: task.id,
    status: task.status,
    ...(task.agent === undefined ? {} : { agent: task.agent }),
    elapsed_seconds: elapsedSeconds(task),
    ...(task.result ?? {}),
    ...(task.error === undefined ? {} : { error: task.error }),
  });

  function assertCapacity(): void {
    if (closing !== undefined)
      throw new ToolError('not_available', 'The parent run has ended; no new background tasks');
    if (running().length >= options.maxRunning) {
      throw new ToolError(
        'max_background_tasks',
        `${options.maxRunning} background tasks are already running; ` +
          'wait for one with get_background_result before starting another',
      );
    }
  }

  return {
    assertCapacity,
    launch(agent, run) {
      assertCapacity();
      const controller = new AbortController();
      if (options.parentSignal?.aborted === true) controller.abort(new Error(CANCELLED));
      const task: BackgroundTask = {
        id: `bg_${nextId++}`,
        agent,
        startedAt: performance.now(),
        finishedAt: undefined,
        status: 'running',
        result: undefined,
        error: undefined,
        controller,
        done: Promise.resolve(),
      };
      task.done = (async () => {
        try {
          task.result = await run(controller.signal);
          task.status = 'completed';
        } catch (error) {
          task.status = 'error';
          task.error = controller.signal.aborted ? CANCELLED : messageOf(error);
          if (!controller.signal.aborted) {
            options.logger.warn('background sub-agent failed', { taskId: task.id, error: task.error });
          }
        } finally {
          task.finishedAt = performance.now();
        }
      })();
      tasks.set(task.id, task);
      return { task_id: task.id, status: 'running', ...(agent === undefined ? {} : { agent }) };
    },
    has(taskId) {
      return taskId === '*' || tasks.has(taskId);
    },
    async report(taskId, { waitMs, signal }) {
      const selected = taskId === '*' ? [...tasks.values()] : [tasks.get(taskId)];
      const known = selected.filter((task): task is BackgroundTask => task !== undefined);
      if (waitMs !== undefined && waitMs > 0 && known.some((task) => task.status === 'running')) {
        const timeout = pause(waitMs, signal);
        await Promise.race([Promise.all(known.map((task) => task.done)), timeout.promise]);
        timeout.cancel();
      }
      if (taskId === '*') return { tasks: known.map(describeTask) };
      const [task] = known;
      if (task === undefined) throw new ToolError('not_found', `Unknown background task: ${taskId}`);
      return describeTask(task);
    },
    reminder() {
      const active = running();
      if (active.length === 0) return undefined;
      const parts = active.map(
        (task) => `${task.id} (${task.agent ?? 'anonymous'}, running, ${Math.round(elapsedSeconds(task))}s)`,
      );
      return `[Background tasks active: ${parts.join(', ')}]`;
    },
    close({ cancel }) {
      if (cancel) {
        cancelRequested = true;
        cancelAll();
      }
      closing ??= (async () => {
        const allDone = (): Promise<void[]> => Promise.all([...tasks.values()].map((task) => task.done));
        if (!cancelRequested && running().length > 0) {
          const drain = pause(options.drainTimeoutMs);
          await Promise.race([allDone(), drain.promise]);
          drain.cancel();
        }
        cancelAll();
        await allDone();
        options.parentSignal?.removeEventListener('abort', onParentAbort);
      })();
      return closing;
    },
  };
}
