import { ToolError } from '../../core/tool.js';

/** The longest `get_background_result` may wait, in seconds (a parent turn must not hang). */
export const MAX_BACKGROUND_WAIT_SECONDS = 120;
/** How long `wait: true` waits when no timeout is given, in seconds. */
export const DEFAULT_BACKGROUND_WAIT_SECONDS = 60;

/** A validated `get_background_result` call. */
export interface GetBackgroundResultRequest {
  /** A task id, or `*` for every task. */
  taskId: string;
  wait: boolean;
  /** Seconds to wait, clamped to 0…120. */
  timeoutSeconds: number;
}

const invalidInput = (message: string): ToolError => new ToolError('invalid_input', message);

/** Checks the model's input (task_id, wait, timeout) and throws the first problem as `invalid_input`. */
export function parseGetBackgroundResultInput(input: Record<string, unknown>): GetBackgroundResultRequest {
  const { task_id: taskId, wait, timeout } = input;
  if (typeof taskId !== 'string' || taskId.trim() === '') throw invalidInput('task_id is required');
  if (wait !== undefined && wait !== null && typeof wait !== 'boolean') {
    throw invalidInput('wait must be a boolean');
  }
  if (
    timeout !== undefined &&
    timeout !== null &&
    (typeof timeout !== 'number' || !Number.isFinite(timeout))
  ) {
    throw invalidInput('timeout must be a number');
  }
  const seconds = typeof timeout === 'number' ? timeout : DEFAULT_BACKGROUND_WAIT_SECONDS;
  return {
    taskId: taskId.trim(),
    wait: wait === true,
    timeoutSeconds: Math.min(MAX_BACKGROUND_WAIT_SECONDS, Math.max(0, seconds)),
  };
}
