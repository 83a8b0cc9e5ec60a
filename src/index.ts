/**
 * ai-agent-gateway: deploy AI agents as production services. The root holds what an agent needs
 * to go online: the three entry points, `tool()`, the errors, and the types of the spec and of
 * the events. Everything else lives in a subpath: `ai-agent-gateway/agent` (the loop without the
 * server), `/tools` (dispatcher, interceptors, skills), `/providers`, `/stores`, `/redis`, `/mcp`,
 * `/code-execution`, `/headless`, `/logging` (the default JSON-lines logger) and `/testing`.
 */

// Entry points
export { createAgent } from './server/assembly/create-agent.js';
export type { CreateAgentOptions, ProviderConfig } from './server/contracts/create-agent-options.js';
export { createGatewayApp } from './server/create-gateway-app.js';
export type { GatewayApp, ListeningServer } from './server/gateway-app.js';
export type { ListenOptions } from './server/listen-options.js';
export type {
  ChatRequestInfo,
  ChatRunner,
  ChatRuntime,
  RequestContext,
} from './server/contracts/gateway-config.js';
export type { GatewayAppOptions } from './server/contracts/gateway-app-spec.js';
export type { ServerSpec } from './server/contracts/server-spec.js';
export type { AgentSpec } from './agent-spec/agent-spec.js';
export { runAutonomous } from './headless/run-autonomous.js';
export type { HeadlessSpec, RunAutonomousOptions } from './headless/run-autonomous-options.js';
export type { RunOutput } from './headless/run-output.js';
export { HeartbeatLoop } from './headless/heartbeat/heartbeat-loop.js';
export type { HeartbeatLoopOptions } from './headless/heartbeat/heartbeat-loop.js';
export { createAnthropicProvider } from './providers/anthropic/anthropic-provider.js';
export { createOpenAIProvider } from './providers/openai/openai-provider.js';

// Tools and approvals
export { tool } from './tools/define-tool.js';
export type { ClientTool, DefinedTool, ToolSpec } from './tools/define-tool.js';
export type { RunUsage } from './agent/agent-hooks.js';
export type { ToolContext } from './core/tool.js';
export type { ApprovalDecision, ApprovalRequest, NeedsApproval } from './core/approval.js';
export type { InterceptContext, InterceptDecision, ToolInterceptor } from './core/interceptor.js';
export type { Principal } from './core/principal.js';
export type {
  Authorize,
  AuthorizeAction,
  AuthorizeRequest,
  AuthorizeResource,
} from './core/authorization.js';

// Errors
export { GatewayError, GatewayErrorCode, ProviderError, isGatewayError } from './core/errors.js';
export { ToolError } from './core/tool.js';

// Messages, events and the contracts a spec refers to
export type { Message, SystemPrompt } from './core/messages.js';
export type { GatewayEvent, GatewayEventType, UsageSummary } from './core/events.js';
export { isTerminalEvent } from './core/events.js';
export type { Provider } from './core/provider.js';
export type { GatewayStores } from './core/stores.js';
export type { Logger } from './core/logger.js';
export type { McpServerConfig } from './tools/mcp/mcp-server-config.js';
export type { CodeExecutionConfig } from './tools/code-execution/code-execution-config.js';
