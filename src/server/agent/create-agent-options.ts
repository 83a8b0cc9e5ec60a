import type { NeedsApproval } from '../../core/approval.js';
import type { ToolInterceptor } from '../../core/interceptor.js';
import type { Provider } from '../../core/provider.js';
import type { GatewayStores } from '../../core/stores.js';
import type { ToolDefinition, ToolHandler } from '../../core/tool.js';
import type { OnMaxTurns, OnToolResult, ToolTiming, UsagePayload } from '../../agent/agent-hooks.js';
import type { CodeExecutionConfig } from '../../tools/code-execution/code-execution-config.js';
import type { DefinedTool } from '../../tools/define-tool.js';
import type { McpEasyOptions } from '../../tools/mcp/mcp-easy-options.js';
import type { ProviderConfig } from '../../providers/resolve-provider.js';
import type { GatewayServerConfig } from '../gateway-config.js';

export type { ProviderConfig } from '../../providers/resolve-provider.js';

/**
 * Options of `createAgent`: the original's `create_agent` keywords in camelCase, plus typed
 * `tools`, client-side tools and interceptors. Durations keep the original's unit (seconds).
 */
export interface CreateAgentOptions
  extends
    McpEasyOptions,
    Pick<
      GatewayServerConfig,
      | 'validApiKeys'
      | 'allowedHosts'
      | 'store'
      | 'instanceId'
      | 'runLeaseMs'
      | 'handOverRunsOnClose'
      | 'rateLimit'
      | 'tokenBudget'
      | 'jwtSecret'
      | 'sessionTtl'
      | 'prefix'
      | 'transcriptDir'
      | 'maxBodyBytes'
      | 'maxJsonDepth'
      | 'maxConcurrentRuns'
      | 'maxBufferedBytesPerStream'
      | 'maxFollowersPerRun'
      | 'logger'
      | 'heartbeatIntervalMs'
      | 'approvalTimeoutMs'
      | 'clientToolTimeoutMs'
      | 'disconnectGraceMs'
      | 'streamRetentionMs'
      | 'sseRetryMs'
      | 'onEvent'
      | 'onStartup'
      | 'onShutdown'
      | 'onSessionExpired'
      | 'onError'
    > {
  /** `"anthropic"` (default), `"openai"` (case-insensitive), or a `Provider` instance. */
  provider?: 'anthropic' | 'openai' | (string & {}) | Provider;
  /** Default model (claude-sonnet-4-6 for Anthropic, gpt-4o for OpenAI; required with a Provider). */
  model?: string;
  /** Merged into the provider factory's options last (`baseURL`, `compat`, headers…). */
  providerConfig?: ProviderConfig;
  /** API key; blank falls back to `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Anthropic OAuth token; falls back to `ANTHROPIC_AUTH_TOKEN`. Ignored for other providers. */
  authToken?: string;
  /** Output tokens per model turn (default 16 000). */
  maxTokens?: number;
  /** Ask models that support it to think (default true). */
  thinking?: boolean;
  /** Local tool handlers by name; describe them in `toolDefinitions`. */
  toolHandlers?: Record<string, ToolHandler>;
  /** Definitions (`{ name, description, input_schema }`) of `toolHandlers`. */
  toolDefinitions?: ToolDefinition[];
  /** Typed tools from `tool()`. */
  tools?: DefinedTool[];
  /** Tools executed by the client: the run pauses until `/chat/tool-result` answers. */
  clientTools?: ToolDefinition[];
  /** Runtime policies run before every tool call. */
  interceptors?: ToolInterceptor[];
  /** Which calls need human approval (default: none). */
  needsApproval?: NeedsApproval;
  /**
   * Adds `code_execute` and `code_execute_status` (Python in Docker, bubblewrap or a child
   * process; see docs/code-execution.md). `true` uses the defaults.
   */
  codeExecution?: boolean | CodeExecutionConfig;
  /** Directory of skill files (`<name>.md`); enables `run_agent` and `get_background_result`. */
  skillsDir?: string;
  /** Tools sub-agents may not use. */
  skillsExcludedTools?: string[];
  /** Where named skills write dated output (a stale same-day file is removed before a background run). */
  outputsDir?: string;
  /** Limit of concurrently running sub-agents (and of background ones; default 3). */
  maxConcurrentSubAgents?: number;
  /** Hard stop for the loop (default: unlimited). */
  maxTurns?: number;
  /** Estimated-cost budget per chat in US dollars. */
  maxBudgetUsd?: number;
  /** Seconds one model turn may take (default 300). */
  perTurnTimeout?: number;
  /** Seconds one tool call may take (default 120). */
  toolCallTimeout?: number;
  /** Origins whose pages may call the gateway (CORS; default none, `["*"]` allows any). */
  corsOrigins?: string[];
  /** Models a request may pick with `model` (default: Anthropic's two defaults plus `model`). */
  allowedModels?: string[];
  /** Shared state for sessions and pending tools (default: in-memory). */
  stores?: GatewayStores;
  /** Token usage of each run. */
  onUsage?: (payload: UsagePayload) => void | Promise<void>;
  /** Sees each tool result; may return extra content blocks for the model. */
  onToolResult?: OnToolResult;
  /** Timing of each tool call. */
  onToolTiming?: (timing: ToolTiming) => void;
  /** Summarises work so far when the turn limit is hit. */
  onMaxTurns?: OnMaxTurns;
}
