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
