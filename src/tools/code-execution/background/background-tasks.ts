import { randomBytes } from 'node:crypto';
import { ToolError } from '../../../core/tool.js';
import { BACKEND_ERROR_CODE, BACKEND_ERROR_MESSAGE } from '../backend-failure.js';
import type { OutputStream } from '../backends/run-process-group.js';
import type { CodeExecuteResult } from '../execute-python.js';
import { OutputRingBuffer } from '../output/output-ring-buffer.js';
import type { BackgroundRunSlots } from './background-run-slots.js';
import { ChurnMap } from '../../../core/churn-map.js';

/** What a background run gets from the registry. */
export interface BackgroundRunContext {
  taskId: string;
  /** Aborted by `code_execute_status(cancel: true)` and by session cleanup. */
  signal: AbortSignal;
  /** Feeds the tails `code_execute_status` reports. */
  onLine: (stream: OutputStream, line: string) => void;
}

/** Lines of each stream a running task's status shows. */
export const STDOUT_TAIL_LINES = 20;
export const STDERR_TAIL_LINES = 5;

interface TaskEntry {
  controller: AbortController;
  stdout: OutputRingBuffer;
  stderr: OutputRingBuffer;
  outcome: { ok: true; result: CodeExecuteResult } | { ok: false; error: unknown } | undefined;
  settled: Promise<void>;
}

/** The background runs of one session. */
export interface BackgroundTasks {
  /**
   * Starts a run and returns its id (`ce_<8 hex>`) at once. Throws `ToolError('limit_reached')`
   * when the session already has `maxPerSession` runs running, or the app all of its slots.
   */
  start(run: (context: BackgroundRunContext) => Promise<CodeExecuteResult>): string;
  /**
   * Reports on a task: running (with output tails), or its result once finished, after which
   * the task is forgotten. `cancel` stops a running task (and forgets it). Throws
   * `ToolError('not_found')` for an unknown id.
   */
  status(taskId: string, options: { cancel: boolean }): Promise<Record<string, unknown>>;
  /** Stops every running task and forgets all of them; resolves once none is running. */
  cancelAll(): Promise<void>;
}

/** Limits of `createBackgroundTasks`. */
export interface BackgroundTaskLimits {
  /** Runs this session may have running at once (`limits.maxBackgroundRunsPerSession`). */
  maxPerSession: number;
  /** The app-wide slots (`limits.maxBackgroundRuns`). */
  slots: BackgroundRunSlots;
}

/**
 * Creates the registry of one session's background runs. A run counts against the limits
 * from its start until it ends (finished, failed, timed out or cancelled), whether or not its
 * result has been read yet.
 */
export function createBackgroundTasks(limits: BackgroundTaskLimits): BackgroundTasks {
  const tasks = new ChurnMap<string, TaskEntry>();
  let running = 0;
  const refuse = (what: string): never => {
    throw new ToolError(
      'limit_reached',
      `Too many background runs: ${what} (limits.maxBackgroundRunsPerSession = ${limits.maxPerSession},` +
        ` limits.maxBackgroundRuns = ${limits.slots.max}). Wait for a run to finish, or cancel one with` +
        ' code_execute_status(task_id=..., cancel=true).',
    );
  };
  const newId = (): string => {
    for (;;) {
      const id = `ce_${randomBytes(4).toString('hex')}`;
      if (!tasks.has(id)) return id;
    }
  };
  return {
    start(run) {
      if (running >= limits.maxPerSession) refuse(`this session already has ${running} running`);
      if (!limits.slots.tryTake()) refuse(`the gateway already has ${limits.slots.max} running`);
      running += 1;
      const taskId = newId();
      const entry: TaskEntry = {
        controller: new AbortController(),
        stdout: new OutputRingBuffer(STDOUT_TAIL_LINES),
        stderr: new OutputRingBuffer(STDERR_TAIL_LINES),
        outcome: undefined,
        settled: Promise.resolve(),
      };
      tasks.set(taskId, entry);
      entry.settled = run({
        taskId,
        signal: entry.controller.signal,
        onLine: (stream, line) => entry[stream].push(line),
      })
        .then(
          (result) => {
            entry.outcome = { ok: true, result };
          },
          (error: unknown) => {
            entry.outcome = { ok: false, error };
          },
        )
        .finally(() => {
          running -= 1;
          limits.slots.give();
        });
      return taskId;
    },
    async status(taskId, { cancel }) {
      const entry = tasks.get(taskId);
      if (entry === undefined) throw new ToolError('not_found', `Unknown task_id: ${taskId}`);
      const { outcome } = entry;
      if (outcome === undefined) {
        if (!cancel) {
          return {
            status: 'running',
            task_id: taskId,
            stdout_tail: entry.stdout.tail(STDOUT_TAIL_LINES),
            stderr_tail: entry.stderr.tail(STDERR_TAIL_LINES),
          };
        }
        entry.controller.abort();
        await entry.settled;
        tasks.delete(taskId);
        return { status: 'cancelled', task_id: taskId };
      }
      tasks.delete(taskId);
      if (!outcome.ok) {
        // The run reports failures as ToolErrors already (details logged); anything else is
        // shown as the fixed backend failure, never with its own text.
        throw outcome.error instanceof ToolError
          ? outcome.error
          : new ToolError(BACKEND_ERROR_CODE, BACKEND_ERROR_MESSAGE, { cause: outcome.error });
      }
      return { status: 'completed', task_id: taskId, ...outcome.result };
    },
    async cancelAll() {
      const entries = [...tasks.values()];
      tasks.clear();
      for (const entry of entries) entry.controller.abort();
      await Promise.all(entries.map((entry) => entry.settled));
    },
  };
}
