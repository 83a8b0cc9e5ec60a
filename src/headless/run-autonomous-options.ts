import type { OnMaxTurns, OnToolResult, ToolTiming, UsagePayload } from '../agent/agent-hooks.js';
import type { Logger } from '../agent/logger.js';
import type { NeedsApproval } from '../core/approval.js';
import { GatewayError } from '../core/errors.js';
import type { GatewayEvent } from '../core/events.js';
import type { ToolInterceptor } from '../core/interceptor.js';
import type { SystemPrompt } from '../core/messages.js';
import type { RemoteToolSource, ToolDefinition, ToolHandler } from '../core/tool.js';
import type { ProviderChoice, ProviderConfig } from '../providers/resolve-provider.js';
import type { DefinedTool } from '../tools/define-tool.js';
import { MCP_EASY_OPTION_KEYS, type McpEasyOptions } from '../tools/mcp/mcp-easy-options.js';
import type { DeliveryConfig } from './delivery/delivery-config.js';
import { validateDeliveryConfig } from './delivery/delivery-config.js';
import { DEFAULT_STATE_FILE } from './state/state-file.js';

/**
 * Options of `runAutonomous`: the original's `run_autonomous` keywords in camelCase. Durations
 * keep the original's unit (seconds) and may be fractional.
 */
export interface RunAutonomousOptions extends McpEasyOptions {
  systemPrompt: SystemPrompt;
  /** The one user message the run starts from. */
  initialMessage: string;
  /** `"anthropic"` (default), `"openai"` or a `Provider` instance (never closed by the run). */
  provider?: ProviderChoice;
  /** Default: claude-sonnet-4-6 / gpt-4o; required with a Provider instance. */
  model?: string;
  /** Falls back to `ANTHROPIC_API_KEY` / `OPENAI_API_KEY`; with no credential the stub reply runs. */
  apiKey?: string;
  /** Anthropic OAuth token; falls back to `ANTHROPIC_AUTH_TOKEN`. */
  authToken?: string;
  /** Merged into the provider factory's options last (`baseURL`, `compat`…). */
  providerConfig?: ProviderConfig;
  /** Output tokens per model turn (default 16 000). */
  maxTokens?: number;
  /** Ask models that support it to think (default true). */
  thinking?: boolean;
  /** Local handlers by name; describe them in `toolDefinitions`. */
  toolHandlers?: Record<string, ToolHandler>;
  toolDefinitions?: ToolDefinition[];
  /** Typed tools from `tool()`. */
  tools?: DefinedTool[];
  /** Runtime policies run before every tool call. */
  interceptors?: ToolInterceptor[];
  /** Tools hidden from the model and refused if called. */
  excludedTools?: Iterable<string>;
  /** An already-started remote tool source (e.g. an MCP client manager); the caller closes it. */
  remote?: RemoteToolSource;
  /** Directory of skill files; enables `run_agent` and `get_background_result`. */
  skillsDir?: string;
  /** Tools sub-agents may not use. */
  skillsExcludedTools?: string[];
  /** Where named skills write dated output (a stale same-day file is removed first). */
  outputsDir?: string;
  /**
   * Calls that would need human approval. Nobody can approve in a headless run, so such a call
   * is refused with `approval_required` (the model reads the error). Default: none need it.
   */
  needsApproval?: NeedsApproval;
  /** Turn limit (default 40). */
  maxTurns?: number;
  /** Wall-clock limit of the whole run; reaching it aborts the run → `timedOut` (default 600). */
  timeoutSeconds?: number;
  /** Estimated-cost budget in US dollars. */
  maxBudgetUsd?: number;
  /** Seconds one model turn may take (default 300). */
  perTurnTimeout?: number;
  /** Seconds one tool call may take (default 120). */
  toolCallTimeout?: number;
  /** Limit on concurrently running `run_agent` calls. */
  maxConcurrentSubAgents?: number;
  /** Directory of the run state; enables load → merge → save of `stateFile`. */
  stateDir?: string;
  /** State file name inside `stateDir` (default 'state.json'). */
  stateFile?: string;
  /** Telegram / webhook / callback delivery after the run (failures are logged, not thrown). */
  delivery?: DeliveryConfig;
  onUsage?: (payload: UsagePayload) => void | Promise<void>;
  onToolResult?: OnToolResult;
  onToolTiming?: (timing: ToolTiming) => void;
  onMaxTurns?: OnMaxTurns;
  /**
   * Every event of the run as it is appended (a throw or rejection is logged and ignored).
   * Sub-agent events come with their observer label as `sessionId` and the run's full session
   * id as `parentSessionId`.
   */
  onEvent?: (event: GatewayEvent, sessionId: string, parentSessionId?: string) => void | Promise<void>;
  /** Default `autonomous-<16 hex>`. */
  sessionId?: string;
  /** Cancels the run; `runAutonomous` then rejects with `GatewayError('aborted')`. */
  signal?: AbortSignal;
  /** Receives warnings (timeouts, hook failures, delivery failures); default: console. */
  logger?: Logger;
}

/**
 * Options of the original that this build does not offer yet. They are refused with a clear
 * message instead of being ignored, so a run never silently goes without the tools it asked
 * for. Wiring one means adding it to `RunAutonomousOptions`, to `buildAutonomousTools`, and
 * removing it here.
 */
export const NOT_YET_SUPPORTED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['compactionInstructions', 'compaction is not supported by the agent loop yet'],
]);

const KNOWN_OPTIONS = new Set<string>([
  'systemPrompt',
  'initialMessage',
  'provider',
  'model',
  'apiKey',
  'authToken',
  'providerConfig',
  'maxTokens',
  'thinking',
  'toolHandlers',
  'toolDefinitions',
  'tools',
  'interceptors',
  'excludedTools',
  'remote',
  'skillsDir',
  'skillsExcludedTools',
  'outputsDir',
  ...MCP_EASY_OPTION_KEYS,
  'needsApproval',
  'maxTurns',
  'timeoutSeconds',
  'maxBudgetUsd',
  'perTurnTimeout',
  'toolCallTimeout',
  'maxConcurrentSubAgents',
  'stateDir',
  'stateFile',
  'delivery',
  'onUsage',
  'onToolResult',
  'onToolTiming',
  'onMaxTurns',
  'onEvent',
  'sessionId',
  'signal',
  'logger',
] satisfies Array<keyof RunAutonomousOptions>);

/** The run-level settings `runAutonomous` works with (tool and runner options pass through). */
export interface ResolvedRunAutonomousSettings {
  maxTurns: number;
  timeoutSeconds: number;
  stateDir: string | undefined;
  stateFile: string;
}

const fail = (problem: string): never => {
  throw new GatewayError('invalid_option', `runAutonomous: ${problem}`);
};

const checkPositive = (
  options: RunAutonomousOptions,
  name: keyof RunAutonomousOptions,
  integer: boolean,
): void => {
  const value = options[name];
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    fail(`\`${name}\` must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`);
  }
};

const isSystemPrompt = (value: unknown): boolean =>
  typeof value === 'string' ||
  (Array.isArray(value) &&
    value.every(
      (part) =>
        Array.isArray(part) &&
        part.length === 2 &&
        typeof part[0] === 'string' &&
        typeof part[1] === 'boolean',
    ));

/**
 * Validates the run-level options before anything starts (provider, tools and runner options
 * are validated by their own factories, also before the run). Unknown keys fail, so a typo
 * such as `maxTurn` is caught instead of silently running with the default.
 */
export function resolveRunAutonomousOptions(options: RunAutonomousOptions): ResolvedRunAutonomousSettings {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  for (const key of Object.keys(options)) {
    const instead = NOT_YET_SUPPORTED_OPTIONS.get(key);
    if (instead !== undefined) fail(`\`${key}\` is not supported in this version; ${instead}`);
    if (!KNOWN_OPTIONS.has(key)) fail(`unknown option \`${key}\``);
  }
  if (!isSystemPrompt(options.systemPrompt))
    fail('`systemPrompt` must be a string or an array of [text, shouldCache]');
  if (typeof options.initialMessage !== 'string' || options.initialMessage.trim() === '') {
    fail('`initialMessage` must be a non-empty string');
  }
  checkPositive(options, 'maxTurns', true);
  checkPositive(options, 'timeoutSeconds', false);
  checkPositive(options, 'maxBudgetUsd', false);
  checkPositive(options, 'perTurnTimeout', false);
  checkPositive(options, 'toolCallTimeout', false);
  for (const hook of [
    'onUsage',
    'onToolResult',
    'onToolTiming',
    'onMaxTurns',
    'onEvent',
    'needsApproval',
  ] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function')
      fail(`\`${hook}\` must be a function`);
  }
  const { stateDir, stateFile = DEFAULT_STATE_FILE, sessionId, signal } = options;
  if (stateDir !== undefined && (typeof stateDir !== 'string' || stateDir.trim() === '')) {
    fail('`stateDir` must be a non-empty path');
  }
  if (typeof stateFile !== 'string' || stateFile.trim() === '')
    fail('`stateFile` must be a non-empty file name');
  if (sessionId !== undefined && (typeof sessionId !== 'string' || sessionId.trim() === '')) {
    fail('`sessionId` must be a non-empty string');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) fail('`signal` must be an AbortSignal');
  if (options.delivery !== undefined) validateDeliveryConfig(options.delivery);
  return {
    maxTurns: options.maxTurns ?? 40,
    timeoutSeconds: options.timeoutSeconds ?? 600,
    stateDir,
    stateFile,
  };
}
