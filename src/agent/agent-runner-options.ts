import { GatewayError } from '../core/errors.js';
import type { UsageSummary } from '../core/events.js';
import type { Message, SystemPrompt } from '../core/messages.js';
import type { Provider } from '../core/provider.js';
import type { CheckpointSink, RunCheckpoint } from '../core/run-takeover.js';
import type { ToolDefinition, ToolExecutor } from '../core/tool.js';
import { abortableSleep, type Sleep } from './abortable-sleep.js';
import type { OnMaxTurns, OnToolResult, RunUsage, ToolTiming } from './agent-hooks.js';
import { CostAccumulator } from './budget.js';
import { EventLog } from './event-log.js';
import { consoleWarningLogger, type Logger } from '../core/logger.js';
import type { RetryPolicy } from './run-turn.js';

/** Options of `new AgentRunner(…)`; validated at construction. */
export interface AgentRunnerOptions {
  provider: Provider;
  tools: ToolExecutor;
  /** The run's event log (one runner per run). */
  eventLog: EventLog;
  sessionId: string;
  model: string;
  /** Output token limit per turn (default 16 000). */
  maxTokens?: number;
  /** Ask for reasoning (default true → level 'high' when the model supports it and maxTokens ≥ 2048). */
  thinking?: boolean;
  /** The tools advertised to the model (default none); read once per run. */
  getToolDefinitions?: () => ToolDefinition[];
  /** Tools hidden from the model and refused if it calls them anyway. */
  excludedTools?: Iterable<string>;
  /** Turn limit (default unlimited); `run({maxTurns})` overrides it. */
  maxTurns?: number;
  /** Notice text when the limit is hit (default "[Max turns reached]"; sub-agents say their own). */
  maxTurnsNotice?: string;
  /** Cost budget in US dollars (ignored when `costAccumulator` is given: its budget applies). */
  maxBudgetUsd?: number;
  /** A cost accumulator shared with a parent run or sibling sub-agents. */
  costAccumulator?: CostAccumulator;
  /** Limit on concurrently running `run_agent` calls (default unlimited). */
  maxConcurrentSubAgents?: number;
  /** One model attempt may take this long (default 300 000 ms). */
  perTurnTimeoutMs?: number;
  /** No stream event for this long is a stall (default 60 000 ms). */
  streamStallTimeoutMs?: number;
  /** One tool call may take this long, except run_agent/get_background_result (default 120 000 ms). */
  toolCallTimeoutMs?: number;
  retry?: {
    /** Retries of a failed model turn (default 3). */
    maxRetries?: number;
    /** First retry wait; doubles each retry (default 2000 ms). */
    baseDelayMs?: number;
    /** Cap on a server's retry-after (default 60 000 ms). */
    maxRetryAfterMs?: number;
    /** The wait itself (tests inject one to observe delays). */
    sleep?: Sleep;
  };
  /** Pause between the words of the no-credential stub reply (default 50 ms). */
  stubWordDelayMs?: number;
  /** Token totals of the run, once, before `stream_complete`. */
  onRunUsage?: (usage: RunUsage) => void | Promise<void>;
  onToolResult?: OnToolResult;
  onToolTiming?: (timing: ToolTiming) => void;
  onMaxTurns?: OnMaxTurns;
  /** Where a tool runs, for `tool_call_start` (default: the executor's answer, else 'backend'). */
  executionLocation?: (toolName: string) => string | undefined;
  /**
   * Receives a checkpoint after each step (the model's tool calls, each finished call, the
   * tool results), so that another instance can continue the run if this one dies. Writes are
   * serialised; a failing sink is logged, never fatal.
   */
  onCheckpoint?: CheckpointSink;
  /** Receives swallowed hook failures (default: console for warnings and errors). */
  logger?: Logger;
}

/** Arguments of one `AgentRunner.run()`. */
export interface RunOptions {
  /** The conversation so far; not mutated (the result carries the extended copy). */
  messages: readonly Message[];
  systemPrompt?: SystemPrompt;
  /** Overrides the runner's model for this run. */
  model?: string;
  /** Overrides the runner's turn limit for this run. */
  maxTurns?: number;
  /** Cancels the run: the provider request, tool calls and every wait stop at once. */
  signal?: AbortSignal;
  /**
   * Continues a run from a checkpoint taken by another runner (another instance) instead of
   * starting over: history, turn count and tokens come from it, `messages` is ignored, and tool
   * calls left in flight are finished first (idempotent tools re-run, others `interrupted`).
   */
  resume?: RunCheckpoint;
}

/** How a run ended. `error` and `aborted` runs emitted no `stream_complete`. */
export type RunOutcome = 'completed' | 'max_turns' | 'budget' | 'error' | 'aborted';

/** What `run()` resolves with. */
export interface RunResult {
  outcome: RunOutcome;
  /** The input history plus every assistant and tool-result message of this run. */
  messages: Message[];
  /** Token totals and cost of the completed turns. */
  usage: UsageSummary;
  /** Completed model turns. */
  turns: number;
  /**
   * Why the run failed when `outcome` is 'error', in full (upstream status and text, causes):
   * for logs. The client's `error` event carries only the fixed sentence of `errorCode`.
   */
  error?: string;
  /** The failure code the client was told (`upstream_auth_failed`, `internal_error`, …). */
  errorCode?: string;
}

/** The defaults-applied, validated settings a runner works with. */
export interface ResolvedRunnerSettings {
  maxTokens: number;
  thinking: boolean;
  excludedTools: ReadonlySet<string>;
  maxTurns: number | undefined;
  maxTurnsNotice: string;
  costAccumulator: CostAccumulator;
  maxConcurrentSubAgents: number | undefined;
  perTurnTimeoutMs: number;
  streamStallTimeoutMs: number;
  toolCallTimeoutMs: number;
  retry: RetryPolicy;
  stubWordDelayMs: number;
  logger: Logger;
}

const invalid = (message: string): GatewayError => new GatewayError('invalid_option', message);

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** A short description of a rejected value for error messages (never "[object Object]"). */
const describeValue = (value: unknown): string =>
  typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;

/** Validates a whole-number option (`minimum` inclusive); returns the default when absent. */
function integerOption(name: string, value: unknown, minimum: number, fallback: number): number;
function integerOption(name: string, value: unknown, minimum: number): number | undefined;
function integerOption(name: string, value: unknown, minimum: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw invalid(`${name} must be an integer ≥ ${minimum}, got ${describeValue(value)}`);
  }
  return value;
}

const durationOption = (name: string, value: unknown, fallback: number, minimum = 1): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw invalid(`${name} must be a number of milliseconds ≥ ${minimum}, got ${describeValue(value)}`);
  }
  return value;
};

/**
 * Checks every option before the runner exists and applies the defaults, so a
 * misconfiguration fails at construction with a message naming the option, not mid-run.
 */
export function resolveAgentRunnerOptions(options: AgentRunnerOptions): ResolvedRunnerSettings {
  const { provider, tools } = options;
  if (typeof provider !== 'object' || provider === null || typeof provider.stream !== 'function') {
    throw invalid('provider must implement Provider (stream, getModelInfo, hasCredential)');
  }
  if (typeof tools !== 'object' || tools === null || typeof tools.dispatch !== 'function') {
    throw invalid('tools must implement ToolExecutor (dispatch)');
  }
  if (!(options.eventLog instanceof EventLog)) throw invalid('eventLog must be an EventLog');
  if (typeof options.sessionId !== 'string' || options.sessionId === '') {
    throw invalid('sessionId must be a non-empty string');
  }
  if (typeof options.model !== 'string' || options.model === '')
    throw invalid('model must be a non-empty string');
  for (const hook of [
    'getToolDefinitions',
    'onRunUsage',
    'onToolResult',
    'onToolTiming',
    'onMaxTurns',
    'onCheckpoint',
  ] as const) {
    if (options[hook] !== undefined && !isFunction(options[hook]))
      throw invalid(`${hook} must be a function`);
  }
  if (options.retry?.sleep !== undefined && !isFunction(options.retry.sleep)) {
    throw invalid('retry.sleep must be a function');
  }
  if (options.maxBudgetUsd !== undefined && options.costAccumulator !== undefined) {
    throw invalid('give either maxBudgetUsd or costAccumulator (whose budget then applies), not both');
  }
  return {
    maxTokens: integerOption('maxTokens', options.maxTokens, 1, 16_000),
    thinking: options.thinking ?? true,
    excludedTools: new Set(options.excludedTools ?? []),
    maxTurns: integerOption('maxTurns', options.maxTurns, 1),
    maxTurnsNotice: options.maxTurnsNotice ?? '[Max turns reached]',
    costAccumulator: options.costAccumulator ?? new CostAccumulator(options.maxBudgetUsd),
    maxConcurrentSubAgents: integerOption('maxConcurrentSubAgents', options.maxConcurrentSubAgents, 1),
    perTurnTimeoutMs: durationOption('perTurnTimeoutMs', options.perTurnTimeoutMs, 300_000),
    streamStallTimeoutMs: durationOption('streamStallTimeoutMs', options.streamStallTimeoutMs, 60_000),
    toolCallTimeoutMs: durationOption('toolCallTimeoutMs', options.toolCallTimeoutMs, 120_000),
    retry: {
      maxRetries: integerOption('retry.maxRetries', options.retry?.maxRetries, 0, 3),
      baseDelayMs: durationOption('retry.baseDelayMs', options.retry?.baseDelayMs, 2_000, 0),
      maxRetryAfterMs: durationOption('retry.maxRetryAfterMs', options.retry?.maxRetryAfterMs, 60_000, 0),
      sleep: options.retry?.sleep ?? abortableSleep,
    },
    stubWordDelayMs: durationOption('stubWordDelayMs', options.stubWordDelayMs, 50, 0),
    logger: options.logger ?? consoleWarningLogger,
  };
}

/**
 * Validates the arguments of one `run()` and returns the turn limit that applies to it (the
 * run's own, else the runner's).
 */
export function resolveRunMaxTurns(
  runOptions: RunOptions,
  runnerMaxTurns: number | undefined,
): number | undefined {
  const inputMessages: unknown = runOptions.messages; // callers may not be type-checked
  if (!Array.isArray(inputMessages)) throw invalid('messages must be an array');
  if (runOptions.model !== undefined && (typeof runOptions.model !== 'string' || runOptions.model === '')) {
    throw invalid('model must be a non-empty string');
  }
  return integerOption('maxTurns', runOptions.maxTurns, 1) ?? runnerMaxTurns;
}
