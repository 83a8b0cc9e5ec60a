/**
 * `ai-agent-gateway/tools`: tool dispatch for runtimes built by hand: the dispatcher, the
 * interceptors, client-side tools, and skills with their sub-agents.
 */
export { createToolDispatcher } from './tools/tool-dispatcher.js';
export type { ToolDispatcher } from './tools/tool-dispatcher.js';
export type { ToolDispatcherOptions } from './tools/tool-dispatcher-options.js';
export { buildRunTools } from './tools/build-run-tools.js';
export type { RunToolContext, RunTools, ToolSetup } from './tools/build-run-tools.js';
export type { RequestClientToolResult } from './tools/client-tool-resolver.js';
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
export type { ApprovalDecision, ApprovalRequest, NeedsApproval, RequestApproval } from './core/approval.js';
export type { InterceptContext, InterceptDecision, ToolInterceptor } from './core/interceptor.js';
export { createToolDenyList } from './tools/interceptors/create-tool-deny-list.js';
export type { ToolDenyListOptions } from './tools/interceptors/create-tool-deny-list.js';
export { createRateLimitInterceptor } from './tools/interceptors/create-rate-limit-interceptor.js';
export type { RateLimitInterceptorOptions } from './tools/interceptors/create-rate-limit-interceptor.js';

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

// Other agents as tools
export { a2aAgentTool } from './tools/a2a/a2a-agent-tool.js';
export type { A2aAgentToolOptions, A2aHeaders } from './tools/a2a/a2a-agent-tool.js';
export { gatewaySessionHeaders } from './tools/a2a/gateway-session-headers.js';
export type { GatewaySessionHeadersOptions } from './tools/a2a/gateway-session-headers.js';
