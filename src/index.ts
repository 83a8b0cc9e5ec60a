/**
 * ai-agent-gateway: deploy AI agents as production services. Every name exported here is public
 * API on purpose; nothing is re-exported wholesale.
 */

// Core contracts
export type {
  CacheControl,
  ContentBlock,
  ImageBlock,
  Message,
  RedactedThinkingBlock,
  StopReason,
  SystemPrompt,
  TextBlock,
  ThinkingBlock,
  ToolResultBlock,
  ToolUseBlock,
  AssistantMessage,
  UserMessage,
} from './core/messages.js';
export type {
  BudgetExceededEvent,
  CompactionEvent,
  ErrorEvent,
  GatewayEvent,
  GatewayEventType,
  HeartbeatEvent,
  InterceptorDecisionEvent,
  LogEntry,
  MaxTurnsReachedEvent,
  StreamCompleteEvent,
  StreamErrorEvent,
  StreamRetryEvent,
  TextDeltaEvent,
  ThinkingDeltaEvent,
  ToolApprovalRequestEvent,
  ToolCallCompleteEvent,
  ToolCallStartEvent,
  ToolOutputChunkEvent,
  UsageSummary,
} from './core/events.js';
export { isTerminalEvent } from './core/events.js';
export type {
  ModelInfo,
  ModelPricing,
  Provider,
  ProviderEvent,
  ProviderRequest,
  ThinkingLevel,
  TurnUsage,
} from './core/provider.js';
export type {
  ExecutionLocation,
  JsonSchema,
  RemoteToolSource,
  ToolCall,
  ToolContext,
  ToolDefinition,
  ToolErrorPayload,
  ToolExecutionEnvironment,
  ToolExecutor,
  ToolHandler,
  ToolOutcome,
} from './core/tool.js';
export { ToolError } from './core/tool.js';
export type { ApprovalDecision, ApprovalRequest, NeedsApproval, RequestApproval } from './core/approval.js';
export type { InterceptContext, InterceptDecision, ToolInterceptor } from './core/interceptor.js';
export { GatewayError, GatewayErrorCode, ProviderError, isGatewayError } from './core/errors.js';
export type { GatewayErrorCodeValue } from './core/errors.js';
export type {
  GatewayStores,
  MessageBus,
  PendingToolRecord,
  PendingToolStore,
  SessionRecord,
  SessionStore,
} from './core/stores.js';

// Providers
export { createAnthropicProvider } from './providers/anthropic/anthropic-provider.js';
export type {
  AnthropicAuthMode,
  AnthropicProviderOptions,
} from './providers/anthropic/anthropic-provider-options.js';
export { createOpenAIProvider } from './providers/openai/openai-provider.js';
export type { OpenAIProviderOptions } from './providers/openai/openai-provider.js';
export type { OpenAICompat } from './providers/openai/openai-compat.js';

// Agent loop
export { AgentRunner } from './agent/agent-runner.js';
export type { AgentRunnerOptions, RunOptions, RunOutcome, RunResult } from './agent/agent-runner-options.js';
export type {
  OnMaxTurns,
  OnToolResult,
  ToolResultContext,
  ToolTiming,
  UsagePayload,
} from './agent/agent-hooks.js';
export { EventLog } from './agent/event-log.js';
export type { EventLogListener } from './agent/event-log.js';
export { CostAccumulator } from './agent/budget.js';
export { estimateCost } from './agent/usage.js';
export type { Logger } from './agent/logger.js';

// Tools
export { createToolDispatcher } from './tools/tool-dispatcher.js';
export type { ToolDispatcher } from './tools/tool-dispatcher.js';
export type { ToolDispatcherOptions } from './tools/tool-dispatcher-options.js';
export { DEFAULT_APPROVAL_TIMEOUT_MS } from './tools/tool-dispatcher-options.js';
export { tool } from './tools/define-tool.js';
export type { DefinedTool, ToolSpec } from './tools/define-tool.js';
export { createToolDenyList } from './tools/interceptors/create-tool-deny-list.js';
export type { ToolDenyListOptions } from './tools/interceptors/create-tool-deny-list.js';
export type { RequestClientToolResult } from './tools/client-tool-resolver.js';

// HTTP gateway
export { createAgent } from './server/agent/create-agent.js';
export type { CreateAgentOptions, ProviderConfig } from './server/agent/create-agent-options.js';
export { createGatewayApp, DEFAULT_ALLOWED_MODELS } from './server/create-gateway-app.js';
export type { AgentDefinition, GatewayApp, ListenOptions, ListeningServer } from './server/gateway-app.js';
export type {
  ChatRequestInfo,
  ChatRunner,
  ChatRuntime,
  GatewayServerConfig,
  RequestContext,
} from './server/gateway-config.js';
export { createMemoryStores } from './stores/memory/create-memory-stores.js';
export { hashApiKey } from './server/sessions/hash-api-key.js';
export { generateJwtSecret } from './server/sessions/generate-jwt-secret.js';

// Headless runs, delivery and heartbeats
export { runAutonomous } from './headless/run-autonomous.js';
export type { RunAutonomousOptions } from './headless/run-autonomous-options.js';
export { runSession } from './headless/run-session.js';
export type { RunSessionOptions } from './headless/run-session.js';
export { collectRunOutput } from './headless/collect-run-output.js';
export { runOutputExitCode, runOutputOutcome, toRunOutputJson } from './headless/run-output.js';
export type { RunOutcomeName, RunOutput, RunOutputJson } from './headless/run-output.js';
export { formatRunSummary } from './headless/format-run-summary.js';
export type { FormatRunSummaryOptions } from './headless/format-run-summary.js';
export { loadState, saveState } from './headless/state/state-file.js';
export type { JsonObject } from './headless/state/json-object-file.js';
export { extractStateUpdate } from './headless/state/extract-state-update.js';
export { buildStatePayload } from './headless/state/build-state-payload.js';
export type { BuildStatePayloadOptions } from './headless/state/build-state-payload.js';
export { deliver } from './headless/delivery/deliver.js';
export type { DeliveryConfig } from './headless/delivery/delivery-config.js';
export { sendTelegram, sendTelegramFile } from './headless/delivery/send-telegram.js';
export type {
  SendTelegramFileOptions,
  SendTelegramOptions,
  TelegramTarget,
} from './headless/delivery/send-telegram.js';
export { sendWebhook } from './headless/delivery/send-webhook.js';
export type { SendWebhookOptions } from './headless/delivery/send-webhook.js';
export { splitTelegramMessage } from './headless/delivery/split-telegram-message.js';
export { HeartbeatLoop } from './headless/heartbeat/heartbeat-loop.js';
export type { HeartbeatLoopOptions } from './headless/heartbeat/heartbeat-loop.js';
export type { HeartbeatConfig } from './headless/heartbeat/heartbeat-config.js';
export type {
  HeartbeatOutcome,
  HeartbeatSkipReason,
  HeartbeatState,
} from './headless/heartbeat/heartbeat-state.js';
export type { HeartbeatCallback, TickResult } from './headless/heartbeat/tick-result.js';
export { HEARTBEAT_OK, stripHeartbeatOk } from './headless/heartbeat/strip-heartbeat-ok.js';
export { isChecklistEmpty } from './headless/heartbeat/is-checklist-empty.js';
export { isWithinActiveHours } from './headless/heartbeat/is-within-active-hours.js';
export type { ActiveHours } from './headless/heartbeat/is-within-active-hours.js';
export { sendPrompt } from './headless/send-prompt.js';
export type { SendPromptOptions } from './headless/send-prompt.js';

// Skills and sub-agents
export { createSubAgentToolkit } from './tools/sub-agents/create-sub-agent-toolkit.js';
export type { SubAgentToolkit } from './tools/sub-agents/create-sub-agent-toolkit.js';
export type { SubAgentToolkitOptions } from './tools/sub-agents/sub-agent-toolkit-options.js';
export { DEFAULT_SUB_AGENT_MODELS } from './tools/sub-agents/sub-agent-toolkit-options.js';
export type { SubAgentResult, SubAgentTools } from './tools/sub-agents/run-sub-agent.js';
export { parseSkillFile } from './tools/sub-agents/parse-skill-file.js';
export type { SkillProfile, SkillScope } from './tools/sub-agents/parse-skill-file.js';
export { createSkillLoader } from './tools/sub-agents/skill-loader.js';
export type { SkillLoader } from './tools/sub-agents/skill-loader.js';
export { createSkillStateStore } from './tools/sub-agents/skill-state-store.js';
export type { SkillState, SkillStateStore } from './tools/sub-agents/skill-state-store.js';
export { SkillError } from './tools/sub-agents/skill-error.js';
export type { SkillErrorCode } from './tools/sub-agents/skill-error.js';
export {
  createGetBackgroundResultToolDefinition,
  createRunAgentToolDefinition,
} from './tools/sub-agents/sub-agent-tool-definitions.js';
export { buildRunTools } from './tools/build-run-tools.js';
export type { RunToolContext, RunTools, ToolSetup } from './tools/build-run-tools.js';

// MCP
export { createMcpClientManager } from './tools/mcp/create-mcp-client-manager.js';
export type { McpClientManager, McpServerCatalogEntry } from './tools/mcp/create-mcp-client-manager.js';
export type { McpClientManagerOptions } from './tools/mcp/mcp-client-manager-options.js';
export {
  DEFAULT_MCP_STARTUP_TIMEOUT_SECONDS,
  DEFAULT_MCP_TOOL_TIMEOUT_SECONDS,
} from './tools/mcp/mcp-client-manager-options.js';
export type {
  McpCustomTransportServerConfig,
  McpHttpServerConfig,
  McpServerConfig,
  McpSseServerConfig,
  McpStdioServerConfig,
} from './tools/mcp/mcp-server-config.js';
export type { McpServerState, McpServerStatus } from './tools/mcp/mcp-server-supervisor.js';
export type { McpLogger } from './tools/mcp/mcp-logger.js';
export { consoleMcpLogger } from './tools/mcp/mcp-logger.js';
export { createMcpManagerFromOptions, MCP_EASY_OPTION_KEYS } from './tools/mcp/mcp-easy-options.js';
export type { McpEasyOptions } from './tools/mcp/mcp-easy-options.js';

// Code execution
export { createCodeExecution } from './tools/code-execution/create-code-execution.js';
export type { CodeExecution, CodeExecutionBundle } from './tools/code-execution/create-code-execution.js';
export type {
  CodeExecutionBackendName,
  CodeExecutionConfig,
  CodeExecutionHost,
  CodeExecutionLimits,
} from './tools/code-execution/code-execution-config.js';
export type { CodeExecutionProbe } from './tools/code-execution/backend-selector.js';
export type { CodeExecuteResult } from './tools/code-execution/execute-python.js';
export type { CodeExecuteImage } from './tools/code-execution/collect-images.js';
export { sanitizeCodeExecuteResult } from './tools/code-execution/sanitize-code-execute-result.js';
export {
  CODE_EXECUTE_STATUS_TOOL,
  CODE_EXECUTE_TOOL,
  createCodeExecuteStatusToolDefinition,
  createCodeExecuteToolDefinition,
} from './tools/code-execution/code-execution-tool-definitions.js';
export { OutputRingBuffer } from './tools/code-execution/output/output-ring-buffer.js';

// Scale-out: Redis stores and limits
export { createRedisStores } from './stores/redis/create-redis-stores.js';
export type { RedisStores, RedisStoresOptions } from './stores/redis/create-redis-stores.js';
export { redactRedisUrl } from './stores/redis/redact-redis-url.js';
export { createMemoryRateLimiter } from './stores/memory/memory-rate-limiter.js';
export type { MemoryRateLimiterOptions } from './stores/memory/memory-rate-limiter.js';
export { createRateLimitInterceptor } from './tools/interceptors/create-rate-limit-interceptor.js';
export type { RateLimitInterceptorOptions } from './tools/interceptors/create-rate-limit-interceptor.js';
export { RateLimitedError } from './server/rate-limit/rate-limited-error.js';
export type { RequestRateLimitOption, TokenBudgetOption } from './server/rate-limit/create-http-limits.js';
export type { StoreOption } from './server/gateway-config.js';
export type {
  RateLimitDecision,
  RateLimiter,
  RateLimiterSpec,
  RunDirectory,
  RunEventLogStore,
  RunLocation,
} from './core/stores.js';
