import { EventLog } from '../../agent/event-log.js';
import { RunnerTemplate } from '../../agent/runner-template.js';
import { createJsonLineLogger } from '../../agent/json-line-logger.js';
import { CostAccumulator } from '../../agent/budget.js';
import {
  buildRunTools,
  builtinToolNames,
  toDispatcherOptions,
  type ToolSetup,
} from '../../tools/build-run-tools.js';
import { createCodeExecution } from '../../tools/code-execution/create-code-execution.js';
import { createMcpManagerFromSpec } from '../../spec/create-mcp-manager-from-spec.js';
import { withRequestClientTools } from './with-request-client-tools.js';
import { createToolDispatcher } from '../../tools/tool-dispatcher.js';
import type { ChatRunner } from '../gateway-config.js';
import { buildGatewayApp } from '../create-gateway-app.js';
import { toServerSettings } from '../to-server-settings.js';
import { parseSpec } from '../../spec/parse-spec.js';
import { RENAMED_AGENT_OPTIONS } from '../../spec/renamed-options.js';
import type { GatewayApp } from '../gateway-app.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import { createAgentSchema, type CreateAgentOptions } from './create-agent-options.js';
import {
  CODE_EXECUTION_TOOL_NAMES,
  toolTimeoutForCodeExecution,
  withCodeExecution,
  withImageSanitizer,
} from './code-execution-setup.js';
import { describeModelMismatch, resolveAgentProvider } from './resolve-agent-provider.js';
import { tracingOf } from '../../spec/tracing-of.js';
import { mcpToolsByServer, reportStartup } from './startup-report.js';
import { compactionOf } from '../../spec/compaction-of.js';
import { findImplausibleDurations } from '../../spec/implausible-durations.js';
import { DEFAULT_TOOL_CALL_TIMEOUT_MS, DEFAULT_TURN_TIMEOUT_MS } from '../../agent/agent-runner-options.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS } from '../../tools/tool-dispatcher-options.js';
import { DEFAULT_SESSION_TTL_SECONDS } from '../sessions/create-auth-manager.js';
import { DEFAULT_TOOL_WAIT_MS } from '../chat/start-chat-run.js';

/** How a call looks, for a caller that passes anything but one object (0.1.0's two arguments). */
const CREATE_AGENT_USAGE =
  "createAgent({ systemPrompt: 'You are…', tools: [...], server: { ... } }) " +
  "(0.1.0's createAgent(systemPrompt, options) is createAgent({ systemPrompt, ...options }))";

/**
 * Builds a production chat gateway from one agent spec: the easy path. Returns the same app as
 * `createGatewayApp` (call `listen()` or mount `fetch`). Every option is checked here by its
 * schema, so a typo fails at startup with the closest known name instead of on the first chat.
 * With no credential configured the gateway still runs and answers with a stub reply.
 */
export function createAgent(options: CreateAgentOptions): GatewayApp {
  const spec = parseSpec(
    createAgentSchema,
    options,
    'createAgent',
    RENAMED_AGENT_OPTIONS,
    CREATE_AGENT_USAGE,
  );
  const { systemPrompt, server, hooks = {}, skills } = spec;
  // One logger for the server's lines, the runs' (tool failures, retries), the dispatcher's and
  // the MCP servers' (their stderr, their failures): every line in the app's one format.
  const logger = spec.logger ?? createJsonLineLogger();
  const toolSetup: ToolSetup = {
    tools: spec.tools,
    interceptors: spec.interceptors,
    needsApproval: spec.needsApproval,
    approvalTimeoutMs: server.approvalTimeoutMs,
    approvalTimeoutSetting: 'server.approvalTimeoutMs',
    skillsDir: skills?.dir,
    skillsExcludedTools: skills?.excludedTools,
    outputsDir: skills?.outputsDir,
    maxConcurrentSubAgents: skills?.maxConcurrent,
    logger,
  };
  // Building one dispatcher now validates the tool options before the app exists; it is also
  // the runner template's sample (each chat has its own).
  const sampleDispatcher = createToolDispatcher(toDispatcherOptions(toolSetup));
  // Code execution is configured (and validated) once; each session gets its own work dir.
  const codeExecution =
    spec.codeExecution === undefined || spec.codeExecution === false
      ? undefined
      : createCodeExecution(spec.codeExecution === true ? {} : spec.codeExecution, { logger });
  // One MCP client manager serves every session; it connects on startup.
  // The agent's own tools: what metrics may name (MCP tools are added by `isMcpTool`).
  const ownToolNames = builtinToolNames(
    toolSetup,
    codeExecution === undefined ? [] : CODE_EXECUTION_TOOL_NAMES,
  );
  const mcp = createMcpManagerFromSpec(spec.mcp, ownToolNames, logger);
  if (mcp !== undefined) toolSetup.remote = mcp;
  // Last, because it builds the provider: every cheaper check has passed by now.
  const { provider, model, allowedModels, namedProvider } = resolveAgentProvider(spec, server.allowedModels);
  const compaction = compactionOf(spec, provider, 'createAgent');

  const mismatch = describeModelMismatch(namedProvider, model);
  if (mismatch !== undefined) logger.warn(mismatch, { model, provider: namedProvider });
  for (const { message, option, valueMs } of findImplausibleDurations(spec)) {
    logger.warn(message, { option, valueMs });
  }
  // The agent loop's settings are the same for every chat: checked once here, not per chat.
  const runnerTimeouts = {
    ...(spec.turnTimeoutMs === undefined ? {} : { turnTimeoutMs: spec.turnTimeoutMs }),
    ...compaction,
    ...tracingOf(spec.tracing),
    ...(spec.toolCallTimeoutMs === undefined
      ? spec.codeExecution === undefined || codeExecution === undefined
        ? {}
        : { toolCallTimeoutMs: toolTimeoutForCodeExecution(spec.codeExecution) }
      : { toolCallTimeoutMs: spec.toolCallTimeoutMs }),
  };
  const runnerTemplate = new RunnerTemplate({
    provider,
    tools: sampleDispatcher,
    eventLog: new EventLog(),
    sessionId: 'runner-template',
    model,
    getToolDefinitions: () => sampleDispatcher.getToolDefinitions(),
    costAccumulator: new CostAccumulator(spec.maxBudgetUsd),
    logger,
    ...runnerTimeouts,
    ...(spec.tracing?.agentName === undefined ? {} : { agentName: spec.tracing.agentName }),
    ...(spec.maxTokens === undefined ? {} : { maxTokens: spec.maxTokens }),
    ...(spec.thinking === undefined ? {} : { thinking: spec.thinking }),
    ...(spec.maxTurns === undefined ? {} : { maxTurns: spec.maxTurns }),
    ...(skills?.maxConcurrent === undefined ? {} : { maxConcurrentSubAgents: skills.maxConcurrent }),
    ...(hooks.onRunUsage === undefined ? {} : { onRunUsage: hooks.onRunUsage }),
    ...(hooks.onToolResult === undefined ? {} : { onToolResult: hooks.onToolResult }),
    ...(hooks.onToolTiming === undefined ? {} : { onToolTiming: hooks.onToolTiming }),
    ...(hooks.onMaxTurns === undefined ? {} : { onMaxTurns: hooks.onMaxTurns }),
  });
  const config: GatewayServerConfig = {
    ...toServerSettings(server, hooks.onEvent === undefined ? undefined : { onEvent: hooks.onEvent }),
    logger,
    allowedModels,
    defaultModel: model,
    onStartup: async () => {
      // Probing the sandboxes now spares the first chat the wait.
      const [, probe] = await Promise.all([mcp?.start(), codeExecution?.probe()]);
      reportStartup(logger, {
        provider,
        model,
        allowedModels,
        server,
        maxTurns: spec.maxTurns,
        maxBudgetUsd: spec.maxBudgetUsd,
        codeExecution: probe,
        mcp: mcp?.getServerStatus(),
        tools: [...ownToolNames],
        ...(mcp === undefined ? {} : { mcpTools: mcpToolsByServer(mcp) }),
        timeouts: {
          sessionTtlMs: server.sessionTtlMs ?? DEFAULT_SESSION_TTL_SECONDS * 1000,
          approvalTimeoutMs: server.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
          clientToolTimeoutMs: server.clientToolTimeoutMs ?? DEFAULT_TOOL_WAIT_MS,
          turnTimeoutMs: runnerTimeouts.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS,
          toolCallTimeoutMs: runnerTimeouts.toolCallTimeoutMs ?? DEFAULT_TOOL_CALL_TIMEOUT_MS,
        },
      });
      await server.onStartup?.();
    },
    onShutdown: async () => {
      try {
        await codeExecution?.close();
        await server.onShutdown?.();
      } finally {
        await Promise.allSettled([mcp?.close(), provider.close?.()]);
      }
    },
    onSessionExpired: async (session) => {
      try {
        await Promise.allSettled([
          mcp?.closeSession(session.sessionId),
          codeExecution?.cleanupSession(session.sessionId),
        ]);
      } finally {
        await server.onSessionExpired?.(session);
      }
    },
    isMcpTool: (toolName) => mcp?.hasTool(toolName) ?? false,
    isAgentTool: (toolName) => ownToolNames.has(toolName),
    ...(spec.tracing?.trustIncomingContext === undefined
      ? {}
      : { trustIncomingTraceContext: spec.tracing.trustIncomingContext }),
    buildChatRuntime: ({ request }) => ({
      systemPrompt,
      model: request.model ?? model,
      ...(spec.maxTurns === undefined ? {} : { maxTurns: spec.maxTurns }),
      async createRunner(context): Promise<ChatRunner> {
        const bundle = await codeExecution?.forSession(context.session.sessionId);
        const onToolResult =
          bundle === undefined ? hooks.onToolResult : withImageSanitizer(bundle, hooks.onToolResult);
        const setup = withRequestClientTools(
          bundle === undefined ? toolSetup : withCodeExecution(toolSetup, bundle),
          context.clientTools,
        );
        const costAccumulator = new CostAccumulator(spec.maxBudgetUsd);
        const runTools = await buildRunTools(setup, {
          provider,
          defaultModel: model,
          allowedModels,
          sessionId: context.session.sessionId,
          signal: context.signal,
          costAccumulator,
          requestApproval: context.requestApproval,
          approvedToolTypes: context.approvedToolTypes,
          requestClientResult: context.requestClientToolResult,
          onSubAgentEvent: hooks.onEvent,
          subAgentRunner: runnerTimeouts,
        });
        const { dispatcher } = runTools;
        return {
          async run({ model: runModel, maxTurns, ...input }) {
            try {
              const runner = runnerTemplate.runner({
                tools: dispatcher,
                eventLog: context.eventLog,
                sessionId: context.session.sessionId,
                model: runModel ?? model,
                ...(maxTurns === undefined ? {} : { maxTurns }),
                costAccumulator,
                getToolDefinitions: () => dispatcher.getToolDefinitions(),
                ...(runTools.backgroundTasksReminder === undefined
                  ? {}
                  : { backgroundTasksReminder: runTools.backgroundTasksReminder }),
                ...(onToolResult === undefined ? {} : { onToolResult }),
                ...(context.onCheckpoint === undefined ? {} : { onCheckpoint: context.onCheckpoint }),
              });
              return await runner.run(input);
            } finally {
              await runTools.close({ cancel: input.signal?.aborted === true });
            }
          },
        };
      },
    }),
  };
  return Object.assign(buildGatewayApp(config), { agentDefinition: { spec: options } });
}
