/**
 * `ai-agent-gateway/agent`: the agent loop without the HTTP server, for runtimes built by hand
 * (`createGatewayApp`'s `buildChatRuntime`) and for tests: the runner, its hooks, the event log
 * it writes to, and the cost accounting.
 */
export { runAgent } from './agent/run-agent.js';
export type { RunAgentOptions } from './agent/run-agent.js';
export type { AgentRunnerOptions, RunOptions, RunOutcome, RunResult } from './agent/agent-runner-options.js';
export type {
  OnMaxTurns,
  OnToolResult,
  ToolResultContext,
  ToolTiming,
  RunUsage,
} from './agent/agent-hooks.js';
export { EventLog } from './agent/event-log.js';
export type { EventLogListener } from './agent/event-log.js';
export { CostAccumulator } from './agent/budget.js';
export { estimateCost } from './agent/usage.js';
export type { Logger } from './core/logger.js';
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
export type {
  AssistantMessage,
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
  UserMessage,
} from './core/messages.js';
