import type { Logger } from '../../core/logger.js';
import { createMcpManagerFromSpec } from '../../agent-spec/create-mcp-manager-from-spec.js';
import { builtinToolNames, toDispatcherOptions, type ToolSetup } from '../../tools/build-run-tools.js';
import { createCodeExecution, type CodeExecution } from '../../tools/code-execution/create-code-execution.js';
import type { McpClientManager } from '../../tools/mcp/create-mcp-client-manager.js';
import { createToolDispatcher } from '../../tools/tool-dispatcher.js';
import { createRequestAuthorizer, type RequestAuthorizer } from '../auth/request-authorizer.js';
import type { ParsedAgentOptions } from '../contracts/create-agent-options.js';
import { CODE_EXECUTION_TOOL_NAMES } from './code-execution-setup.js';
import { approvalTimeoutMsOf } from '../contracts/approval-timeout.js';

/** The tools every chat of an agent starts from, set up (and checked) once. */
export interface AgentTools {
  /** The agent's tools, interceptors and approval rules, MCP tools included. */
  toolSetup: ToolSetup;
  /** `server.authorize`, which sees each tool call first (`tool.call`). */
  toolAuthorizer: RequestAuthorizer | undefined;
  /** Code execution, configured once; each session gets its own work dir. */
  codeExecution: CodeExecution | undefined;
  /** The agent's own tools: what metrics may name (MCP tools are added by `isMcpTool`). */
  ownToolNames: Set<string>;
  /** One MCP client manager serves every session; it connects on startup. */
  mcp: McpClientManager | undefined;
}

/**
 * Sets up an agent's tools from its spec. Building one dispatcher now validates the tool options
 * before the app exists (each chat has its own); code execution is validated here too.
 */
export function agentToolsOf(spec: ParsedAgentOptions, logger: Logger): AgentTools {
  const { server, skills } = spec;
  const toolSetup: ToolSetup = {
    tools: spec.tools,
    interceptors: spec.interceptors,
    needsApproval: spec.needsApproval,
    approvalTimeoutMs: approvalTimeoutMsOf(
      server.approvalTimeoutMs,
      server.database !== undefined && server.database !== false,
    ),
    approvalTimeoutSetting: 'server.approvalTimeoutMs',
    skillsDir: skills?.dir,
    skillsExcludedTools: skills?.excludedTools,
    outputsDir: skills?.outputsDir,
    maxConcurrentSubAgents: skills?.maxConcurrent,
    logger,
  };
  const toolAuthorizer =
    server.authorize === undefined
      ? undefined
      : createRequestAuthorizer({ authorize: server.authorize, logger, routeActions: new Map() });
  createToolDispatcher(toDispatcherOptions(toolSetup));
  const codeExecution =
    spec.codeExecution === undefined || spec.codeExecution === false
      ? undefined
      : createCodeExecution(spec.codeExecution === true ? {} : spec.codeExecution, { logger });
  const ownToolNames = builtinToolNames(
    toolSetup,
    codeExecution === undefined ? [] : CODE_EXECUTION_TOOL_NAMES,
  );
  const mcp = createMcpManagerFromSpec(spec.mcp, ownToolNames, logger);
  if (mcp !== undefined) toolSetup.remote = mcp;
  return { toolSetup, toolAuthorizer, codeExecution, ownToolNames, mcp };
}
