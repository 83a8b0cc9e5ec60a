import type { ToolDefinition } from '../../core/tool.js';
import { MIN_TIMEOUT_MS, type CodeExecutionHost } from './code-execution-config.js';

/** Name of the tool that runs Python. */
export const CODE_EXECUTE_TOOL = 'code_execute';

/** Name of the tool that reports on (or cancels) a background run. */
export const CODE_EXECUTE_STATUS_TOOL = 'code_execute_status';

/** What the `code_execute` definition depends on. */
export interface CodeExecuteDefinitionOptions {
  /** Values of `host`, `auto` first, in the order the backends were registered. */
  hosts: readonly CodeExecutionHost[];
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  /** Appended to the description, e.g. the packages the environment provides. */
  descriptionSuffix?: string;
}

/**
 * The `code_execute` definition: its input schema (`code`, `timeout_ms`,
 * `background`, `host`) with this deployment's limits. The description does not promise any
 * third-party package, because which ones exist depends on the image or host; deployments say
 * so in `descriptionSuffix`.
 */
export function createCodeExecuteToolDefinition(options: CodeExecuteDefinitionOptions): ToolDefinition {
  const description = [
    'Run Python 3 code and return its stdout, stderr, exit code and any images it produced.',
    'Figures shown with matplotlib plt.show() are saved as _plot_<n>.png and returned as images;',
    'PNG, JPEG and SVG files the code writes to the working directory are returned too.',
    'The working directory persists across calls in this session, so files and data can be reused.',
    'Output is streamed while the code runs. For long jobs pass background: true and poll',
    'code_execute_status with the returned task_id.',
  ].join(' ');
  const suffix = options.descriptionSuffix ?? '';
  return {
    name: CODE_EXECUTE_TOOL,
    description: suffix === '' ? description : `${description} ${suffix}`,
    input_schema: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'The Python source to run.' },
        timeout_ms: {
          type: 'integer',
          minimum: MIN_TIMEOUT_MS,
          maximum: options.maxTimeoutMs,
          default: options.defaultTimeoutMs,
          description: 'Wall-clock limit in milliseconds; the process is killed when it is reached.',
        },
        background: {
          type: 'boolean',
          default: false,
          description: 'Start the run and return a task_id at once instead of waiting for it.',
        },
        host: {
          type: 'string',
          enum: [...options.hosts],
          default: 'auto',
          description: 'Where to run: auto picks the most isolated backend available.',
        },
      },
      required: ['code'],
    },
  };
}

/** The `code_execute_status` definition: `task_id` (required) and `cancel`. */
export function createCodeExecuteStatusToolDefinition(): ToolDefinition {
  return {
    name: CODE_EXECUTE_STATUS_TOOL,
    description:
      'Check a background code_execute run: returns the latest output while it runs and the full ' +
      'result once it has finished. Pass cancel: true to stop it.',
    input_schema: {
      type: 'object',
      properties: {
        task_id: { type: 'string', description: 'The task_id code_execute returned.' },
        cancel: { type: 'boolean', default: false, description: 'Stop the run.' },
      },
      required: ['task_id'],
    },
  };
}
