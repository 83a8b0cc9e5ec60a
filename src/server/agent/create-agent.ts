import { AgentRunner } from '../../agent/agent-runner.js';
import { createJsonLineLogger } from '../../agent/json-line-logger.js';
import { CostAccumulator } from '../../agent/budget.js';
import type { SystemPrompt } from '../../core/messages.js';
import {
  buildRunTools,
  builtinToolNames,
  toDispatcherOptions,
  type ToolSetup,
} from '../../tools/build-run-tools.js';
import { createCodeExecution } from '../../tools/code-execution/create-code-execution.js';
import { createMcpManagerFromOptions } from '../../tools/mcp/mcp-easy-options.js';
import { createToolDispatcher } from '../../tools/tool-dispatcher.js';
import type { ChatRunner } from '../gateway-config.js';
import { createGatewayApp } from '../create-gateway-app.js';
import type { GatewayApp } from '../gateway-app.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import type { CreateAgentOptions } from './create-agent-options.js';
import {
  CODE_EXECUTION_TOOL_NAMES,
  toolTimeoutForCodeExecution,
  withCodeExecution,
  withImageSanitizer,
} from './code-execution-setup.js';
import { checkAgentWiring } from './check-agent-wiring.js';
import { describeModelMismatch, resolveAgentProvider } from './resolve-agent-provider.js';
import { validateCreateAgentOptions, validateSystemPrompt } from './validate-create-agent-options.js';

/** Options handed to `createGatewayApp` unchanged. */
const SERVER_OPTION_KEYS = [
  'validApiKeys',
  'corsOrigins',
  'allowedHosts',
  'jwtSecret',
  'sessionTtl',
  'prefix',
  'transcriptDir',
  'maxBodyBytes',
  'maxJsonDepth',
  'maxConcurrentRuns',
  'maxBufferedBytesPerStream',
  'maxFollowersPerRun',
  'heartbeatIntervalMs',
  'approvalTimeoutMs',
  'clientToolTimeoutMs',
  'disconnectGraceMs',
  'streamRetentionMs',
  'sseRetryMs',
  'onEvent',
  'onError',
  'stores',
  'store',
  'instanceId',
  'runLeaseMs',
  'handOverRunsOnClose',
  'rateLimit',
  'tokenBudget',
] as const satisfies ReadonlyArray<keyof CreateAgentOptions & keyof GatewayServerConfig>;

/**
 * Builds a production chat gateway around one system prompt: the easy path. Returns the same
 * app as `createGatewayApp` (call `listen()` or mount `fetch`). Every option is checked here, so
 * a typo fails at startup instead of on the first chat. With no credential configured the
 * gateway still runs and answers with a stub reply.
 */
export function createAgent(systemPrompt: SystemPrompt, options: CreateAgentOptions = {}): GatewayApp {
  validateSystemPrompt(systemPrompt);
  validateCreateAgentOptions(options);
  checkAgentWiring(options);

  const toolSetup: ToolSetup = {
    handlers: options.toolHandlers,
    definitions: options.toolDefinitions,
    tools: options.tools,
    clientTools: options.clientTools,
    interceptors: options.interceptors,
    needsApproval: options.needsApproval,
    approvalTimeoutMs: options.approvalTimeoutMs,
    skillsDir: options.skillsDir,
    skillsExcludedTools: options.skillsExcludedTools,
    outputsDir: options.outputsDir,
    maxConcurrentSubAgents: options.maxConcurrentSubAgents,
  };
  // Building one dispatcher now validates the tool options before the app exists.
  createToolDispatcher(toDispatcherOptions(toolSetup));
  // Code execution is configured (and validated) once; each session gets its own work dir.
  const codeExecution =
    options.codeExecution === undefined || options.codeExecution === false
      ? undefined
      : createCodeExecution(options.codeExecution === true ? {} : options.codeExecution);
  // One MCP client manager serves every session; it connects on startup.
  const mcp = createMcpManagerFromOptions(
    options,
    builtinToolNames(toolSetup, codeExecution === undefined ? [] : CODE_EXECUTION_TOOL_NAMES),
  );
  if (mcp !== undefined) toolSetup.remote = mcp;
  // Last, because it builds the provider: every cheaper check has passed by now.
  const { provider, model, allowedModels, namedProvider } = resolveAgentProvider(options);

  // One logger for the server's lines and the runs' (tool failures, retries).
  const logger = options.logger ?? createJsonLineLogger();
  const mismatch = describeModelMismatch(namedProvider, model);
  if (mismatch !== undefined) logger.warn(mismatch, { model, provider: namedProvider });
  const serverOptions: Partial<GatewayServerConfig> = { logger };
  for (const key of SERVER_OPTION_KEYS) {
    if (options[key] !== undefined) Object.assign(serverOptions, { [key]: options[key] });
  }
  const config: GatewayServerConfig = {
    ...serverOptions,
    allowedModels,
    defaultModel: model,
    onStartup: async () => {
      // Probing the sandboxes now spares the first chat the wait.
      await Promise.all([mcp?.start(), codeExecution?.probe()]);
      await options.onStartup?.();
    },
    onShutdown: async () => {
      try {
        await codeExecution?.close();
        await options.onShutdown?.();
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
        await options.onSessionExpired?.(session);
      }
    },
    buildChatRuntime: ({ request }) => ({
      systemPrompt,
      model: request.model ?? model,
      ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
      async createRunner(context): Promise<ChatRunner> {
        const costAccumulator = new CostAccumulator(options.maxBudgetUsd);
        const runnerTimeouts = {
          ...(options.perTurnTimeout === undefined
            ? {}
            : { perTurnTimeoutMs: options.perTurnTimeout * 1000 }),
          ...(options.toolCallTimeout === undefined
            ? codeExecution === undefined || options.codeExecution === undefined
              ? {}
              : { toolCallTimeoutMs: toolTimeoutForCodeExecution(options.codeExecution) }
            : { toolCallTimeoutMs: options.toolCallTimeout * 1000 }),
        };
        const bundle = await codeExecution?.forSession(context.session.sessionId);
        const onToolResult =
          bundle === undefined ? options.onToolResult : withImageSanitizer(bundle, options.onToolResult);
        const setup = bundle === undefined ? toolSetup : withCodeExecution(toolSetup, bundle);
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
          onSubAgentEvent: options.onEvent,
          subAgentRunner: runnerTimeouts,
        });
        const { dispatcher } = runTools;
        const runner = new AgentRunner({
          provider,
          tools: dispatcher,
          eventLog: context.eventLog,
          sessionId: context.session.sessionId,
          model,
          getToolDefinitions: () => dispatcher.getToolDefinitions(),
          costAccumulator,
          logger,
          ...runnerTimeouts,
          ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
          ...(options.thinking === undefined ? {} : { thinking: options.thinking }),
          ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
          ...(options.maxConcurrentSubAgents === undefined
            ? {}
            : { maxConcurrentSubAgents: options.maxConcurrentSubAgents }),
          ...(options.onUsage === undefined ? {} : { onUsage: options.onUsage }),
          ...(onToolResult === undefined ? {} : { onToolResult }),
          ...(options.onToolTiming === undefined ? {} : { onToolTiming: options.onToolTiming }),
          ...(options.onMaxTurns === undefined ? {} : { onMaxTurns: options.onMaxTurns }),
          ...(context.onCheckpoint === undefined ? {} : { onCheckpoint: context.onCheckpoint }),
        });
        return {
          async run(input) {
            try {
              return await runner.run(input);
            } finally {
              await runTools.close({ cancel: input.signal?.aborted === true });
            }
          },
        };
      },
    }),
  };
  const agentDefinition = { systemPrompt, options };
  return Object.assign(createGatewayApp(config), { agentDefinition });
}
