import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { ToolError, type ToolContext, type ToolHandler } from '../../core/tool.js';
import { openTaskLogFile, type TaskLogFile } from './background/task-log-file.js';
import { toClientFailure } from './backend-failure.js';
import type { BackendSelector } from './backend-selector.js';
import type { ResolvedCodeExecutionConfig } from './code-execution-config.js';
import { CODE_EXECUTE_TOOL } from './code-execution-tool-definitions.js';
import { executePython, type CodeExecuteResult, type ExecutePythonOptions } from './execute-python.js';
import { createChunkEmitter } from './output/chunk-emitter.js';
import { parseCodeExecuteInput, type CodeExecuteInput } from './parse-code-execute-input.js';
import type { SessionWorkspace } from './session-workspace.js';
import type { BackendAccess } from './subprocess-sessions.js';

/** The two tool handlers of one session. */
export interface CodeExecuteHandlers {
  code_execute: ToolHandler;
  code_execute_status: ToolHandler;
}

/**
 * Creates `code_execute` and `code_execute_status` for one session.
 *
 * `code_execute` checks its input, then resolves the backend: unavailable, or held by another
 * session (`access`) → `backend_unavailable` with a fixed sentence, the reasons logged;
 * a call whose approval qualifier is not the backend it would run on (the dispatcher was not
 * given the bundle's `approvalKeyQualifier`, or the situation changed) → `internal_error
 * "Backend resolution failed"`, so an approval for one backend can never run code on another.
 * A foreground run streams its output as `tool_output_chunk` events and stops when the call's
 * signal aborts; a background run is detached from the call and lives until it ends, is
 * cancelled, or the session is cleaned up. A backend that fails to run the code gives
 * `backend_error` with a fixed sentence; its detail goes to `logger` (see `toClientFailure`).
 */
export function createCodeExecuteHandlers(options: {
  config: ResolvedCodeExecutionConfig;
  selector: BackendSelector;
  workspace: SessionWorkspace;
  access: BackendAccess;
  logger: Logger;
}): CodeExecuteHandlers {
  const { config, selector, workspace, access, logger } = options;
  const { sessionId } = workspace;
  const isRoot = process.getuid?.() === 0;

  const runOptions = async (input: CodeExecuteInput) => {
    const workDir = await workspace.workDir();
    const user = await workspace.user();
    return {
      workDir,
      code: input.code,
      preambleSuffix: config.preambleSuffix,
      timeoutMs: input.timeoutMs,
      maxOutputBytes: config.maxOutputBytes,
      maxImages: config.maxImages,
      maxImageBase64Bytes: config.maxImageBase64Bytes,
      workDirMb: config.limits.workDirMb,
      user,
      // Files over the quota are removed as the code's own user (see removeExcess).
      removeAs: user ?? (isRoot ? config.sandboxUser : undefined),
    };
  };

  const startBackground = (run: Omit<ExecutePythonOptions, 'signal'>): Record<string, unknown> => {
    const taskId = workspace.tasks.start(async ({ taskId: id, signal, onLine }) => {
      const logs: Partial<Record<'stdout' | 'stderr', TaskLogFile>> = {};
      try {
        logs.stdout = await openTaskLogFile(join(run.workDir, `_task_${id}_stdout.log`));
        logs.stderr = await openTaskLogFile(join(run.workDir, `_task_${id}_stderr.log`));
        return await executePython({
          ...run,
          signal,
          onLine,
          onOutput: (stream, chunk) => logs[stream]?.write(chunk),
        });
      } catch (error) {
        throw toClientFailure(error, logger, { sessionId, taskId: id });
      } finally {
        await Promise.all([logs.stdout?.close(), logs.stderr?.close()]);
      }
    });
    return {
      status: 'running',
      task_id: taskId,
      message: 'Use code_execute_status(task_id=...) to check progress.',
    };
  };

  const codeExecute: ToolHandler = async (rawInput, context: ToolContext) => {
    const input = parseCodeExecuteInput(rawInput, {
      hosts: selector.hosts,
      defaultTimeoutMs: config.defaultTimeoutMs,
      maxTimeoutMs: config.maxTimeoutMs,
    });
    const backend = selector.resolve(input.host);
    if (backend === null) {
      const probe = await selector.probe();
      const reasons = Object.entries(probe.backends)
        .filter(([, result]) => !result.available && result.reason !== 'not registered')
        .map(([name, result]) => `${name}: ${result.reason ?? 'unavailable'}`);
      logger.warn('code execution backend unavailable', { sessionId, host: input.host, reasons });
      throw new ToolError(
        'backend_unavailable',
        `No code execution backend is available for host '${input.host}'.`,
      );
    }
    const refuseSession = (): never => {
      logger.warn('code execution refused: the subprocess backend serves one session at a time', {
        sessionId,
        hint: 'the gateway cannot give each session a user of its own (it does not run as root); set codeExecution.allowSharedSubprocessSandbox to let sessions share it',
      });
      throw new ToolError('backend_unavailable', 'No code execution backend is available for this session.');
    };
    if (!access.mayUse(backend)) refuseSession();
    if (context.resolvedQualifier !== backend.name) {
      throw new ToolError('internal_error', 'Backend resolution failed');
    }
    if (!access.take(backend)) refuseSession();
    try {
      const run = { backend, ...(await runOptions(input)) };
      if (input.background) return startBackground(run);
      const chunks = createChunkEmitter({
        toolCallId: context.toolCallId,
        toolName: CODE_EXECUTE_TOOL,
        emit: (event) => context.emit(event),
      });
      return await workspace.track(context.signal, (signal): Promise<CodeExecuteResult> =>
        executePython({
          ...run,
          signal,
          onLine: (stream, line) => {
            // After a cancel the run's stream may be closed; the preview just stops.
            if (!signal.aborted) chunks.emit(stream, line);
          },
        }),
      );
    } catch (error) {
      throw toClientFailure(error, logger, { sessionId, toolCallId: context.toolCallId });
    }
  };

  const codeExecuteStatus: ToolHandler = (input) => {
    const taskId = input.task_id;
    if (typeof taskId !== 'string' || taskId.trim() === '') {
      throw new ToolError('invalid_input', 'task_id is required');
    }
    const cancel = input.cancel ?? false;
    if (typeof cancel !== 'boolean') throw new ToolError('invalid_input', 'cancel must be a boolean');
    return workspace.tasks.status(taskId, { cancel });
  };

  return { code_execute: codeExecute, code_execute_status: codeExecuteStatus };
}
