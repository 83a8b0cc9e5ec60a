import { createAgentLoop } from '../../agent/create-agent-loop.js';
import { createJsonLineLogger } from '../../agent/json-line-logger.js';
import { CostAccumulator } from '../../agent/budget.js';
import {
  buildRunTools,
  builtinToolNames,
  toDispatcherOptions,
  type ToolSetup,
} from '../../tools/build-run-tools.js';
import { createCodeExecution } from '../../tools/code-execution/create-code-execution.js';
import { createMcpManagerFromSpec } from '../../agent-spec/create-mcp-manager-from-spec.js';
import { skillsForCard } from './skills-for-card.js';
import { withRequestClientTools } from './with-request-client-tools.js';
import { authorizeToolCalls } from '../auth/authorize-tool-calls.js';
import { createRequestAuthorizer } from '../auth/request-authorizer.js';
import { createToolDispatcher } from '../../tools/tool-dispatcher.js';
import type { ChatRunner } from '../contracts/gateway-config.js';
import { buildGatewayApp } from '../create-gateway-app.js';
import { parseSpec } from '../../agent-spec/parse-spec.js';
import { RENAMED_AGENT_OPTIONS } from '../../agent-spec/renamed-options.js';
import type { GatewayApp } from '../gateway-app.js';
import type { CheckedGatewayConfig } from '../contracts/gateway-config.js';
import { createAgentSchema, type CreateAgentOptions } from '../contracts/create-agent-options.js';
import {
  CODE_EXECUTION_TOOL_NAMES,
  toolTimeoutForCodeExecution,
  withCodeExecution,
  withImageSanitizer,
} from './code-execution-setup.js';
import { describeModelMismatch, resolveAgentProvider } from './resolve-agent-provider.js';
import { mcpToolsByServer, reportStartup } from './startup-report.js';
import { runnerSettingsOf } from '../../agent-spec/runner-settings-of.js';
import { fallbackOf } from '../../agent-spec/fallback-of.js';
import { createCircuitBreaker } from '../../agent/create-circuit-breaker.js';
import { findImplausibleDurations } from '../../agent-spec/implausible-durations.js';
import { toolDispatcherOptionsSchema } from '../../tools/tool-dispatcher-options.js';

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
// eslint-disable-next-line max-lines-per-function -- 210 lines (the spec, the per-request runtime and the app in one closure): to be split by concern
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
  const toolAuthorizer =
    server.authorize === undefined
      ? undefined
      : createRequestAuthorizer({ authorize: server.authorize, logger });
  // Building one dispatcher now validates the tool options before the app exists (each chat
  // has its own).
  createToolDispatcher(toDispatcherOptions(toolSetup));
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
  // One breaker for the agent: its chats, sub-agents and summaries count failures together.
  const circuitBreaker = createCircuitBreaker({ ...spec.circuitBreaker, logger });
  const { fallback, createdProviders } = fallbackOf(spec, {
    provider,
    namedProvider,
    allowedModels: server.allowedModels === undefined ? undefined : allowedModels,
    caller: 'createAgent',
  });

  const loopSettings = runnerSettingsOf(spec, {
    provider,
    model,
    logger,
    caller: 'createAgent',
    fallback,
    circuitBreaker,
    // Code execution's own limit must fit inside a tool call's.
    toolCallTimeoutMs:
      codeExecution === undefined || spec.codeExecution === undefined
        ? undefined
        : toolTimeoutForCodeExecution(spec.codeExecution),
  });
  const mismatch = describeModelMismatch(namedProvider, model);
  if (mismatch !== undefined) logger.warn(mismatch, { model, provider: namedProvider });
  for (const { message, option, valueMs } of findImplausibleDurations(spec)) {
    logger.warn(message, { option, valueMs });
  }
  // One loop serves every chat: its settings are checked once here, not per chat.
  const loop = createAgentLoop(loopSettings);
  // Sub-agents time out and compact like their parent and share its trace settings.
  const subAgentRunner = {
    turnTimeoutMs: loopSettings.turnTimeoutMs,
    toolCallTimeoutMs: loopSettings.toolCallTimeoutMs,
    compaction: loopSettings.compaction,
    tracing: loopSettings.tracing,
    fallback,
    circuitBreaker,
  };
  const config: CheckedGatewayConfig = {
    ...server,
    ...(hooks.onEvent === undefined ? {} : { onEvent: hooks.onEvent }),
    logger,
    defaultModel: model,
    circuitBreaker,
    onStartup: async () => {
      // Probing the sandboxes now spares the first chat the wait.
      const [, probe] = await Promise.all([mcp?.start(), codeExecution?.probe()]);
      reportStartup(logger, {
        provider,
        model,
        allowedModels,
        fallback,
        server,
        maxTurns: spec.maxTurns,
        maxBudgetUsd: spec.maxBudgetUsd,
        codeExecution: probe,
        mcp: mcp?.getServerStatus(),
        tools: [...ownToolNames],
        ...(mcp === undefined ? {} : { mcpTools: mcpToolsByServer(mcp) }),
        timeouts: {
          sessionTtlMs: server.sessionTtlMs,
          // Without server.approvalTimeoutMs, the dispatcher's own default applies.
          approvalTimeoutMs: toolDispatcherOptionsSchema.shape.approvalTimeoutMs.parse(
            server.approvalTimeoutMs,
          ),
          clientToolTimeoutMs: server.clientToolTimeoutMs,
          turnTimeoutMs: loop.settings.turnTimeoutMs,
          toolCallTimeoutMs: loop.settings.toolCallTimeoutMs,
        },
      });
      await server.onStartup?.();
    },
    onShutdown: async () => {
      try {
        await codeExecution?.close();
        await server.onShutdown?.();
      } finally {
        await Promise.allSettled([
          mcp?.close(),
          provider.close?.(),
          ...createdProviders.map((created) => created.close?.()),
        ]);
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
    ...(spec.tracing?.agentName === undefined ? {} : { agentName: spec.tracing.agentName }),
    ...(skills === undefined ? {} : { agentSkills: skillsForCard(skills.dir) }),
    isAgentTool: (toolName) => ownToolNames.has(toolName),
    ...(spec.tracing?.trustIncomingContext === undefined
      ? {}
      : { tracing: { trustIncomingContext: spec.tracing.trustIncomingContext } }),
    buildChatRuntime: ({ request }) => ({
      systemPrompt,
      model: request.model ?? model,
      ...(spec.maxTurns === undefined ? {} : { maxTurns: spec.maxTurns }),
      async createRunner(context): Promise<ChatRunner> {
        const bundle = await codeExecution?.forSession(context.session.sessionId);
        const onToolResult =
          bundle === undefined ? hooks.onToolResult : withImageSanitizer(bundle, hooks.onToolResult);
        const clientToolSetup = withRequestClientTools(
          bundle === undefined ? toolSetup : withCodeExecution(toolSetup, bundle),
          context.clientTools,
        );
        // `server.authorize` sees each tool call first (`tool.call`).
        const setup =
          toolAuthorizer === undefined
            ? clientToolSetup
            : {
                ...clientToolSetup,
                interceptors: [
                  authorizeToolCalls(toolAuthorizer, context.session),
                  ...(clientToolSetup.interceptors ?? []),
                ],
              };
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
          subAgentRunner,
        });
        const { dispatcher } = runTools;
        return {
          async run(input) {
            try {
              // The run's model and turn limit, when it has its own, win over the loop's.
              return await loop.run({
                ...input,
                tools: dispatcher,
                eventLog: context.eventLog,
                sessionId: context.session.sessionId,
                costAccumulator,
                getToolDefinitions: () => dispatcher.getToolDefinitions(),
                backgroundTasksReminder: runTools.backgroundTasksReminder,
                onToolResult,
                onCheckpoint: context.onCheckpoint,
              });
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
