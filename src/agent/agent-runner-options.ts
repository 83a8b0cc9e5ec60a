import type { Context } from '@opentelemetry/api';
import { z } from 'zod';
import type { UsageSummary } from '../core/events.js';
import { consoleWarningLogger, type Logger } from '../core/logger.js';
import type { Message, SystemPrompt } from '../core/messages.js';
import {
  callable,
  implementing,
  nonNegativeInteger,
  nonNegativeNumber,
  objectOf,
  parseOptions,
  positiveInteger,
  positiveNumber,
  stringIterable,
} from '../core/parse-options.js';
import type { Provider } from '../core/provider.js';
import type { LoopCompaction } from './client-compaction.js';
import type { CheckpointSink, RunCheckpoint } from '../core/run-takeover.js';
import type { ToolDefinition, ToolExecutor } from '../core/tool.js';
import { abortableSleep, type Sleep } from './abortable-sleep.js';
import type { OnMaxTurns, OnToolResult, RunUsage, ToolTiming } from './agent-hooks.js';
import { CostAccumulator } from './budget.js';
import { EventLog } from './event-log.js';
import type { RetryPolicy } from './run-turn.js';
import type { RunTracingOptions } from './tracing/run-tracer.js';

/** A duration of at least 1 ms. */
const milliseconds = () => z.number().min(1);

/** Time one model attempt may take when `turnTimeoutMs` is not given (5 minutes). */
export const DEFAULT_TURN_TIMEOUT_MS = 300_000;
/** Time one tool call may take when `toolCallTimeoutMs` is not given (2 minutes). */
export const DEFAULT_TOOL_CALL_TIMEOUT_MS = 120_000;

/** Retries of a failed model turn. */
const retrySchema = z.strictObject({
  /** Retries of a failed model turn (default 3). */
  maxRetries: nonNegativeInteger().default(3),
  /** First retry wait; doubles each retry (default 2000 ms). */
  baseDelayMs: nonNegativeNumber().default(2_000),
  /** Cap on a server's retry-after (default 60 000 ms). */
  maxRetryAfterMs: nonNegativeNumber().default(60_000),
  /** The wait itself (tests inject one to observe delays). */
  sleep: callable<Sleep>().optional(),
});

/** The fields of `agentRunnerOptionsSchema`, for schemas that pass some of them through. */
export const agentRunnerShape = {
  provider: implementing<Provider>('a Provider (stream, getModelInfo, hasCredential)', ['stream']),
  tools: implementing<ToolExecutor>('a ToolExecutor (dispatch)', ['dispatch']),
  /** The run's event log (one runner per run). */
  eventLog: z.instanceof(EventLog, { message: 'must be an EventLog' }),
  sessionId: z.string().min(1),
  model: z.string().min(1),
  /** Output token limit per turn (default 16 000). */
  maxTokens: positiveInteger().default(16_000),
  /** Ask for reasoning (default true → level 'high' when the model supports it and maxTokens ≥ 2048). */
  thinking: z.boolean().default(true),
  /** The tools advertised to the model (default none); read once per run. */
  getToolDefinitions: callable<() => ToolDefinition[]>().optional(),
  /** Tools hidden from the model and refused if it calls them anyway. */
  excludedTools: stringIterable().optional(),
  /** Turn limit (default unlimited); `run({maxTurns})` overrides it. */
  maxTurns: positiveInteger().optional(),
  /** Notice text when the limit is hit (default "[Max turns reached]"; sub-agents say their own). */
  maxTurnsNotice: z.string().default('[Max turns reached]'),
  /** Cost budget in US dollars (not with `costAccumulator`, whose budget applies). */
  maxBudgetUsd: positiveNumber().optional(),
  /** A cost accumulator shared with a parent run or sibling sub-agents. */
  costAccumulator: z.instanceof(CostAccumulator, { message: 'must be a CostAccumulator' }).optional(),
  /** Limit on concurrently running `run_agent` calls (default unlimited). */
  maxConcurrentSubAgents: positiveInteger().optional(),
  /** One model attempt may take this long (default 300 000 ms). */
  turnTimeoutMs: milliseconds().default(DEFAULT_TURN_TIMEOUT_MS),
  /** No stream event for this long is a stall (default 60 000 ms). */
  streamStallTimeoutMs: milliseconds().default(60_000),
  /** One tool call may take this long, except run_agent/get_background_result (default 120 000 ms). */
  toolCallTimeoutMs: milliseconds().default(DEFAULT_TOOL_CALL_TIMEOUT_MS),
  /** Retries of a failed model turn. */
  retry: retrySchema.prefault({}),
  /** Pause between the words of the no-credential stub reply (default 50 ms). */
  stubWordDelayMs: nonNegativeNumber().default(50),
  /** Token totals of the run, once, before `stream_complete`. */
  onRunUsage: callable<(usage: RunUsage) => void | Promise<void>>().optional(),
  onToolResult: callable<OnToolResult>().optional(),
  onToolTiming: callable<(timing: ToolTiming) => void>().optional(),
  onMaxTurns: callable<OnMaxTurns>().optional(),
  /** Where a tool runs, for `tool_call_start` (default: the executor's answer, else 'backend'). */
  executionLocation: callable<(toolName: string) => string | undefined>().optional(),
  /**
   * Receives a checkpoint after each step (the model's tool calls, each finished call, the
   * tool results), so that another instance can continue the run if this one dies. Writes are
   * serialised; a failing sink is logged, never fatal.
   */
  onCheckpoint: callable<CheckpointSink>().optional(),
  /** Receives swallowed hook failures (default: console for warnings and errors). */
  logger: implementing<Logger>('a Logger ({ debug, info, warn, error })', ['warn', 'error']).optional(),
  /**
   * Context compaction: above `trigger` input tokens the conversation so far is summarised and
   * the summary replaces it, by the provider (`mode: 'server'`, Anthropic: a `compaction`
   * block) or by the loop itself (`mode: 'client'`, any provider: a summary message).
   */
  compaction: z
    .strictObject({
      trigger: positiveInteger(),
      instructions: z.string().optional(),
      mode: z.enum(['server', 'client']).default('server'),
      /** The model of a client-side summary (default: the run's). */
      model: z.string().min(1).optional(),
    })
    .optional(),
  /** The "[Background tasks active: …]" line for the turn after a compaction (sub-agents). */
  backgroundTasksReminder: callable<() => string | undefined>().optional(),
  /** The agent's name on its `invoke_agent` span (`gen_ai.agent.name`; default `agent`). */
  agentName: z.string().min(1).optional(),
  /** OpenTelemetry traces (no-op until an SDK is registered); see docs/observability.md. */
  tracing: z.strictObject({ captureContent: z.boolean().optional() }).optional(),
};

/** The settings of the agent loop (`runAgent`), checked before anything is sent. */
export const agentRunnerOptionsSchema = z
  .strictObject(agentRunnerShape)
  .refine((options) => options.maxBudgetUsd === undefined || options.costAccumulator === undefined, {
    message: 'give either maxBudgetUsd or costAccumulator (whose budget then applies), not both',
    path: ['costAccumulator'],
  });

/** Options of the agent loop (`runAgent`, `new AgentRunner(…)`); validated before the run. */
export type AgentRunnerOptions = z.input<typeof agentRunnerOptionsSchema>;

/** Arguments of one `AgentRunner.run()`. */
export const runOptionsSchema = z.strictObject({
  /** The conversation so far; not mutated (the result carries the extended copy). */
  messages: z.custom<readonly Message[]>(Array.isArray, { message: 'must be an array' }),
  systemPrompt: z
    .custom<SystemPrompt>((value) => typeof value === 'string' || Array.isArray(value), {
      message: 'must be a string or an array of [text, shouldCache] pairs',
    })
    .optional(),
  /** Overrides the runner's model for this run. */
  model: z.string().min(1).optional(),
  /** Overrides the runner's turn limit for this run. */
  maxTurns: positiveInteger().optional(),
  /** Cancels the run: the provider request, tool calls and every wait stop at once. */
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  /**
   * Continues a run from a checkpoint taken by another runner (another instance) instead of
   * starting over: history, turn count and tokens come from it, `messages` is ignored, and tool
   * calls left in flight are finished first (idempotent tools re-run, others `interrupted`).
   */
  resume: objectOf<RunCheckpoint>('a checkpoint').optional(),
  /** The parent of the run's span (an incoming `traceparent`); default: the active context. */
  traceParent: objectOf<Context>('an OpenTelemetry Context').optional(),
  /** The run's id, recorded on its span (`gateway.run.id`). */
  runId: z.string().min(1).optional(),
});

/** Arguments of one `AgentRunner.run()`. */
export type RunOptions = z.input<typeof runOptionsSchema>;

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
  turnTimeoutMs: number;
  streamStallTimeoutMs: number;
  toolCallTimeoutMs: number;
  retry: RetryPolicy;
  stubWordDelayMs: number;
  logger: Logger;
  agentName: string;
  tracing: RunTracingOptions;
  compaction: LoopCompaction | undefined;
  backgroundTasksReminder: (() => string | undefined) | undefined;
}

/** The name errors of the agent loop's options start with. */
const CALLER = 'runAgent';

/** Runner options of 0.1.0 whose name changed. */
const RENAMED_RUNNER_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['perTurnTimeoutMs', "use 'turnTimeoutMs' (the agent spec's name)"],
]);

/**
 * Checks every option before the runner exists and applies the defaults, so a
 * misconfiguration fails at construction with a message naming the option, not mid-run.
 */
export function resolveAgentRunnerOptions(options: AgentRunnerOptions): ResolvedRunnerSettings {
  const parsed = parseOptions(agentRunnerOptionsSchema, options, CALLER, RENAMED_RUNNER_OPTIONS);
  return {
    maxTokens: parsed.maxTokens,
    thinking: parsed.thinking,
    excludedTools: new Set(parsed.excludedTools),
    maxTurns: parsed.maxTurns,
    maxTurnsNotice: parsed.maxTurnsNotice,
    costAccumulator: parsed.costAccumulator ?? new CostAccumulator(parsed.maxBudgetUsd),
    maxConcurrentSubAgents: parsed.maxConcurrentSubAgents,
    turnTimeoutMs: parsed.turnTimeoutMs,
    streamStallTimeoutMs: parsed.streamStallTimeoutMs,
    toolCallTimeoutMs: parsed.toolCallTimeoutMs,
    retry: { ...parsed.retry, sleep: parsed.retry.sleep ?? abortableSleep },
    stubWordDelayMs: parsed.stubWordDelayMs,
    logger: parsed.logger ?? consoleWarningLogger,
    agentName: parsed.agentName ?? 'agent',
    compaction: parsed.compaction,
    backgroundTasksReminder: parsed.backgroundTasksReminder,
    tracing: parsed.tracing ?? {},
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
  return parseOptions(runOptionsSchema, runOptions, CALLER).maxTurns ?? runnerMaxTurns;
}
