import { z } from 'zod';
import type { ToolResultContext } from '../../agent/agent-hooks.js';
import type { ApprovalTraitsOf, NeedsApproval } from '../../core/approval.js';
import { GatewayError } from '../../core/errors.js';
import { consoleWarningLogger, type Logger } from '../../core/logger.js';
import { parseValue } from '../../core/parse-options.js';
import type { ToolDefinition } from '../../core/tool.js';
import type { ApprovalKeyQualifier } from '../approval-gate.js';
import { createBwrapBackend } from './backends/bwrap-backend.js';
import { createDockerBackend } from './backends/docker-backend.js';
import type { ExecutionBackend } from './backends/execution-backend.js';
import { createSubprocessBackend } from './backends/subprocess-backend.js';
import { createBackendSelector, type CodeExecutionProbe } from './backend-selector.js';
import { createBackgroundRunSlots } from './background/background-run-slots.js';
import { resolveCodeExecutionConfig, type CodeExecutionConfig } from './code-execution-config.js';
import {
  CODE_EXECUTE_TOOL,
  createCodeExecuteStatusToolDefinition,
  createCodeExecuteToolDefinition,
} from './code-execution-tool-definitions.js';
import type { DefinedTool } from '../define-tool.js';
import { pairTools } from '../pair-tools.js';
import { createCodeExecuteHandlers, type CodeExecuteHandlers } from './create-code-execute-handlers.js';
import { parseHost } from './parse-code-execute-input.js';
import { sanitizeCodeExecuteResult } from './sanitize-code-execute-result.js';
import { createSessionWorkspace, type SessionWorkspace } from './session-workspace.js';
import {
  createSubprocessAccess,
  subprocessSessionsFor,
  type SubprocessSessions,
} from './subprocess-sessions.js';
import { ChurnMap } from '../../core/churn-map.js';

/** A session id as `forSession` takes it. */
const sessionIdSchema = z.string({ error: 'sessionId must be a non-empty string' }).min(1, {
  error: 'sessionId must be a non-empty string',
});

/** What one session's chat request adds to its tools. */
export interface CodeExecutionBundle {
  /** `code_execute` and `code_execute_status`. */
  handlers: CodeExecuteHandlers;
  /** Their definitions, for the model. */
  definitions: ToolDefinition[];
  /** The same two tools for `createToolDispatcher({ tools })`: each definition with its handler. */
  tools: DefinedTool[];
  /** True only for `code_execute` on an unsandboxed backend (the plain subprocess). */
  needsApproval: NeedsApproval;
  /** The backend a `code_execute` call resolves to (`docker`, `bwrap`, `subprocess`); "" otherwise. */
  approvalKeyQualifier: ApprovalKeyQualifier;
  /**
   * `{ sandboxed: false }` for `code_execute` on the unsandboxed backend, with `allowAlways:
   * false` unless `allowAlwaysForUnsandboxed`; `{}` otherwise.
   */
  approvalTraits: ApprovalTraitsOf;
  /** `onToolResult` hook replacing image data with `[image: name]` in what the model reads. */
  sanitizeToolResult: (context: ToolResultContext) => undefined;
  /** Same as `cleanupSession(sessionId)`. */
  cleanup(): Promise<void>;
}

/** The probe, plus how the unsandboxed subprocess backend keeps sessions apart. */
export interface CodeExecutionStatus extends CodeExecutionProbe {
  /** Absent when no call can reach the unsandboxed subprocess backend (bwrap replaces it). */
  subprocessSessions?: SubprocessSessions;
}

/** Code execution for one app: per-session bundles over shared, probed backends. */
export interface CodeExecution {
  /**
   * The bundle of a session. Resolves once the backends have been probed (the first call
   * probes; later ones reuse the result), because approval qualifiers must be computed
   * synchronously. Sessions keep their work dir and background runs across bundles.
   */
  forSession(sessionId: string): Promise<CodeExecutionBundle>;
  /**
   * Which backends work here and what `auto` picks (the same memoised probe), and, when the
   * unsandboxed subprocess backend can be reached, how it keeps sessions apart.
   */
  probe(): Promise<CodeExecutionStatus>;
  /** Stops the session's runs and removes its work dir; idempotent (call on session expiry). */
  cleanupSession(sessionId: string): Promise<void>;
  /** Cleans up every session and stops probing; idempotent. Later `forSession` calls reject. */
  close(): Promise<void>;
}

/**
 * Creates code execution for one app (`createAgent({ codeExecution })` builds one). The
 * configuration is validated here, before anything runs.
 *
 * Backends: docker (a fresh container per run), bwrap (a bubblewrap sandbox) and subprocess
 * (a plain child process, sandboxed by bwrap when possible); see `createBackendSelector` for
 * how `host` resolves. Every run gets a minimal environment (never the gateway's), a timeout
 * that kills its whole process group, and capped output. Each session has a work dir, created
 * on first use and kept across calls until `cleanupSession` or `close`.
 *
 * Sessions on the unsandboxed subprocess backend: under a root gateway each runs as a user of
 * its own (`sessionUidRange`); otherwise one session at a time may use it, unless
 * `allowSharedSubprocessSandbox` (see `SubprocessSessions`). Backend failures reach clients as
 * fixed sentences; their details go to `options.logger` (default: warnings on the console).
 */
export function createCodeExecution(
  config?: CodeExecutionConfig,
  options: { logger?: Logger } = {},
): CodeExecution {
  const resolved = resolveCodeExecutionConfig(config);
  const logger = options.logger ?? consoleWarningLogger;
  const subprocessSessions = subprocessSessionsFor({
    canSwitchUsers: process.getuid?.() === 0,
    allowShared: resolved.allowSharedSubprocessSandbox,
  });
  const subprocessAccess = createSubprocessAccess(subprocessSessions);
  const backends: ExecutionBackend[] = resolved.registered.map((name) => {
    switch (name) {
      case 'docker':
        return createDockerBackend(resolved);
      case 'bwrap':
        return createBwrapBackend(resolved);
      case 'subprocess':
        return createSubprocessBackend(resolved);
    }
  });
  const selector = createBackendSelector(backends);
  /** Whether some call can run on the unsandboxed subprocess backend (after the probe). */
  const reachesUnsandboxed = (): boolean => selector.resolve('subprocess')?.sandboxed === false;
  const definitions = (): ToolDefinition[] => [
    createCodeExecuteToolDefinition({
      hosts: selector.hosts,
      defaultTimeoutMs: resolved.defaultTimeoutMs,
      maxTimeoutMs: resolved.maxTimeoutMs,
      descriptionSuffix: resolved.toolDescriptionSuffix,
    }),
    createCodeExecuteStatusToolDefinition(),
  ];
  const workspaces = new ChurnMap<string, SessionWorkspace>();
  const backgroundSlots = createBackgroundRunSlots(resolved.limits.maxBackgroundRuns);
  let closing: Promise<void> | undefined;

  const resolveCall = (
    sessionId: string,
    toolName: string,
    input: Record<string, unknown>,
  ): ExecutionBackend | null => {
    if (toolName !== CODE_EXECUTE_TOOL) return null;
    let backend: ExecutionBackend | null;
    try {
      backend = selector.resolve(parseHost(input.host, selector.hosts));
    } catch {
      return null; // an unknown host: the handler refuses it, nothing runs
    }
    // A backend another session holds: the handler refuses the call, so nobody is asked first.
    return backend !== null && subprocessAccess.mayUse(sessionId, backend) ? backend : null;
  };

  const workspaceOf = (sessionId: string): SessionWorkspace => {
    let workspace = workspaces.get(sessionId);
    if (workspace === undefined) {
      workspace = createSessionWorkspace({
        sessionId,
        root: resolved.workDirRoot,
        prefix: resolved.workDirPrefix,
        // Users of their own only where sessions could otherwise meet: on the plain subprocess.
        users:
          subprocessSessions === 'user-per-session' && reachesUnsandboxed()
            ? resolved.sessionUidRange
            : undefined,
        backgroundLimits: {
          maxPerSession: resolved.limits.maxBackgroundRunsPerSession,
          slots: backgroundSlots,
        },
      });
      workspaces.set(sessionId, workspace);
    }
    return workspace;
  };

  const cleanupSession = async (sessionId: string): Promise<void> => {
    const workspace = workspaces.get(sessionId);
    if (workspace === undefined) return;
    try {
      await workspace.cleanup();
    } finally {
      // A newer workspace may have replaced it while this one was being cleaned.
      if (workspaces.get(sessionId) === workspace) {
        workspaces.delete(sessionId);
        subprocessAccess.release(sessionId);
      }
    }
  };

  return {
    async forSession(sessionId) {
      parseValue(sessionIdSchema, sessionId, 'forSession');
      if (closing !== undefined) throw new GatewayError('aborted', 'code execution is closed');
      await selector.probe();
      if (closing !== undefined) throw new GatewayError('aborted', 'code execution is closed');
      const workspace = workspaceOf(sessionId);
      const handlers = createCodeExecuteHandlers({
        config: resolved,
        selector,
        workspace,
        access: subprocessAccess.forSession(sessionId, () => workspaces.get(sessionId) === workspace),
        logger,
      });
      const toolDefinitions = definitions();
      return {
        handlers,
        definitions: toolDefinitions,
        tools: pairTools(handlers, toolDefinitions),
        needsApproval: (toolName, toolInput) =>
          resolveCall(sessionId, toolName, toolInput)?.sandboxed === false,
        approvalKeyQualifier: (toolName, toolInput) =>
          resolveCall(sessionId, toolName, toolInput)?.name ?? '',
        approvalTraits: (toolName, toolInput) =>
          resolveCall(sessionId, toolName, toolInput)?.sandboxed === false
            ? { sandboxed: false, ...(resolved.allowAlwaysForUnsandboxed ? {} : { allowAlways: false }) }
            : {},
        sanitizeToolResult: sanitizeCodeExecuteResult,
        cleanup: () => cleanupSession(sessionId),
      };
    },
    async probe() {
      const probe = await selector.probe();
      return reachesUnsandboxed() ? { ...probe, subprocessSessions } : probe;
    },
    cleanupSession,
    close() {
      closing ??= (async () => {
        selector.close();
        await Promise.all([...workspaces.keys()].map((sessionId) => cleanupSession(sessionId)));
      })();
      return closing;
    },
  };
}
