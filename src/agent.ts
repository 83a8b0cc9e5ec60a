/**
 * `ai-agent-gateway/agent`: the agent loop without the HTTP server, for runtimes built by hand
 * (`createGatewayApp`'s `buildChatRuntime`) and for tests: the loop, its hooks, the event log
 * it writes to, and the cost accounting.
 */
export { createAgentLoop } from './agent/create-agent-loop.js';
export type { AgentLoop } from './agent/create-agent-loop.js';
export type { AgentLoopConfig, AgentLoopSettings } from './agent/agent-loop-settings.js';
export type { AgentLoopRunInput, RunOptions, RunOutcome, RunResult } from './agent/agent-loop-input.js';
export { runAgent } from './agent/run-agent.js';
export type { AgentRunnerOptions, RunAgentOptions } from './agent/run-agent.js';
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
