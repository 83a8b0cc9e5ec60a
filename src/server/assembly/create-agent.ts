import { createJsonLineLogger } from '../../agent/json-line-logger.js';
import { buildGatewayApp } from '../create-gateway-app.js';
import { parseSpec } from '../../agent-spec/parse-spec.js';
import { RENAMED_AGENT_OPTIONS } from '../../agent-spec/renamed-options.js';
import type { GatewayApp } from '../gateway-app.js';
import type { CheckedGatewayConfig } from '../contracts/gateway-config.js';
import { createAgentSchema, type CreateAgentOptions } from '../contracts/create-agent-options.js';
import { agentToolsOf } from './agent-tools.js';
import { agentLoopOf } from './agent-loop-of.js';
import { agentLifecycleOf } from './agent-lifecycle.js';
import { createAgentChatRuntime } from './agent-chat-runtime.js';
import { skillsForCard } from './skills-for-card.js';

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
  const tools = agentToolsOf(spec, logger);
  const { mcp, ownToolNames } = tools;
  // Last, because it builds the provider: every cheaper check has passed by now.
  const models = agentLoopOf(spec, logger, tools.codeExecution);
  const { maxTurns, maxBudgetUsd } = spec;
  const config: CheckedGatewayConfig = {
    ...server,
    ...(hooks.onEvent === undefined ? {} : { onEvent: hooks.onEvent }),
    logger,
    defaultModel: models.model,
    circuitBreaker: models.circuitBreaker,
    ...agentLifecycleOf({ ...tools, ...models, logger, server, maxTurns, maxBudgetUsd }),
    isMcpTool: (toolName) => mcp?.hasTool(toolName) ?? false,
    ...(spec.tracing?.agentName === undefined ? {} : { agentName: spec.tracing.agentName }),
    ...(skills === undefined ? {} : { agentSkills: skillsForCard(skills.dir) }),
    isAgentTool: (toolName) => ownToolNames.has(toolName),
    ...(spec.tracing?.trustIncomingContext === undefined
      ? {}
      : { tracing: { trustIncomingContext: spec.tracing.trustIncomingContext } }),
    buildChatRuntime: createAgentChatRuntime({
      ...tools,
      ...models,
      systemPrompt,
      maxTurns,
      maxBudgetUsd,
      hooks,
    }),
  };
  return Object.assign(buildGatewayApp(config), { agentDefinition: { spec: options } });
}
