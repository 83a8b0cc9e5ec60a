import { z } from 'zod';
import { consoleWarningLogger, type Logger } from '../core/logger.js';
import {
  callable,
  implementing,
  nonNegativeInteger,
  nonNegativeNumber,
  positiveInteger,
  positiveNumber,
  stringIterable,
} from '../core/parse-options.js';
import type { CircuitBreaker } from '../core/circuit-breaker.js';
import type { Provider } from '../core/provider.js';
import { abortableSleep, type Sleep } from './abortable-sleep.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';
import { FALLBACK_REASONS } from './fallback-reason.js';
import type { OnMaxTurns, OnToolResult, RunUsage, ToolTiming } from './agent-hooks.js';

/** A duration of at least 1 ms. */
const milliseconds = () => z.number().min(1);

/** Retries of a failed model turn. */
const retrySchema = z.strictObject({
  /** Retries of a failed model turn. */
  maxRetries: nonNegativeInteger().default(3),
  /** First retry wait in ms; doubles each retry. */
  baseDelayMs: nonNegativeNumber().default(2_000),
  /** Cap on a server's retry-after, in ms. */
  maxRetryAfterMs: nonNegativeNumber().default(60_000),
  /** The wait itself (tests inject one to observe delays). */
  sleep: callable<Sleep>().default(() => abortableSleep),
});

/**
 * Context compaction: above `trigger` input tokens the conversation so far is summarised and
 * the summary replaces it, by the provider (`mode: 'server'`, Anthropic: a `compaction` block)
 * or by the loop itself (`mode: 'client'`, any provider: a summary message). The agent spec's
 * `compaction` group has the same fields.
 */
export const loopCompactionSchema = z.strictObject({
  /** Input tokens above which the context is compacted. */
  trigger: positiveInteger(),
  /** Who compacts: the provider (`server`) or the loop (`client`). */
  mode: z.enum(['server', 'client']).default('server'),
  /** What the summary must keep (the provider's own prompt otherwise). */
  instructions: z.string().optional(),
  /** The model of a client-side summary (default: the run's). */
  model: z.string().min(1).optional(),
});

/**
 * One model tried after the run's own when a turn fails before anything of it was streamed: on
 * `provider` (default: the loop's), for the failures listed in `when`.
 */
export const fallbackModelSchema = z.strictObject({
  /** The provider of this model (default: the loop's). */
  provider: implementing<Provider>('a Provider (stream, getModelInfo, hasCredential)', ['stream']).optional(),
  model: z.string().min(1),
  /** The failures of an earlier model this one takes over (default: all of them). */
  when: z
    .array(z.enum(FALLBACK_REASONS))
    .min(1)
    .default(() => [...FALLBACK_REASONS]),
});

/** One `fallback` entry after its defaults. */
export type FallbackModel = z.output<typeof fallbackModelSchema>;
/** One `fallback` entry as given (`when` defaults to every reason). */
export type FallbackModelSetting = z.input<typeof fallbackModelSchema>;

/** How the loop compacts, after its defaults. */
export type LoopCompaction = z.output<typeof loopCompactionSchema>;

/**
 * The fields of `agentLoopSettingsSchema`: what stays the same for every run of one agent. The
 * schema is the one place where their defaults are stated.
 */
export const agentLoopSettingsShape = {
  provider: implementing<Provider>('a Provider (stream, getModelInfo, hasCredential)', ['stream']),
  /** The model of every run; `run({ model })` overrides it. */
  model: z.string().min(1),
  /** Output token limit per turn. */
  maxTokens: positiveInteger().default(16_000),
  /** Ask for reasoning (level 'high' when the model supports it and maxTokens ≥ 2048). */
  thinking: z.boolean().default(true),
  /** Tools hidden from the model and refused if it calls them anyway. */
  excludedTools: stringIterable()
    .optional()
    .transform((names): ReadonlySet<string> => new Set(names)),
  /** Turn limit (unlimited when left out); `run({ maxTurns })` overrides it. */
  maxTurns: positiveInteger().optional(),
  /** Notice text when the limit is hit (sub-agents say their own). */
  maxTurnsNotice: z.string().default('[Max turns reached]'),
  /** Cost budget of each run in US dollars (a run given its own `costAccumulator` uses that). */
  maxBudgetUsd: positiveNumber().optional(),
  /** Limit on concurrently running `run_agent` calls (unlimited when left out). */
  maxConcurrentSubAgents: positiveInteger().optional(),
  /** One model attempt may take this long, in ms. */
  turnTimeoutMs: milliseconds().default(300_000),
  /** No stream event for this long, in ms, is a stall. */
  streamStallTimeoutMs: milliseconds().default(60_000),
  /** One tool call may take this long, in ms, except run_agent/get_background_result. */
  toolCallTimeoutMs: milliseconds().default(120_000),
  /** Retries of a failed model turn (of the last model able to take it; see `fallback`). */
  retry: retrySchema.prefault({}),
  /**
   * Models tried in order after the run's own, when a turn fails before its first streamed
   * byte for a reason their `when` lists. A model with a fallback after it is not retried.
   */
  fallback: z.array(fallbackModelSchema).default([]),
  /** Which models to skip after repeated failures (one per agent: sub-agents share it). */
  circuitBreaker: implementing<CircuitBreaker>('a CircuitBreaker (createCircuitBreaker())', [
    'isOpen',
    'recordFailure',
    'recordSuccess',
  ]).default(() => createCircuitBreaker()),
  /** Pause between the words of the no-credential stub reply, in ms. */
  stubWordDelayMs: nonNegativeNumber().default(50),
  /** Token totals of the run, once, before `stream_complete`. */
  onRunUsage: callable<(usage: RunUsage) => void | Promise<void>>().optional(),
  /** Sees each tool result; may return extra content blocks (a run may give its own). */
  onToolResult: callable<OnToolResult>().optional(),
  onToolTiming: callable<(timing: ToolTiming) => void>().optional(),
  onMaxTurns: callable<OnMaxTurns>().optional(),
  /** Where a tool runs, for `tool_call_start` (else the executor's answer, else 'backend'). */
  executionLocation: callable<(toolName: string) => string | undefined>().optional(),
  /** Receives swallowed hook failures and retried model failures. */
  logger: implementing<Logger>('a Logger ({ debug, info, warn, error })', ['warn', 'error']).default(
    () => consoleWarningLogger,
  ),
  /** Context compaction (none when left out). */
  compaction: loopCompactionSchema.optional(),
  /** The agent's name on its `invoke_agent` span (`gen_ai.agent.name`). */
  agentName: z.string().min(1).default('agent'),
  /** OpenTelemetry traces (no-op until an SDK is registered); see docs/observability.md. */
  tracing: z.strictObject({ captureContent: z.boolean().optional() }).prefault({}),
};

/** Loop options of 0.1.0 whose name changed: the hint an old name gets. */
export const RENAMED_LOOP_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['perTurnTimeoutMs', "use 'turnTimeoutMs' (the agent spec's name)"],
]);

/** The settings of one agent's loop, checked once by `createAgentLoop`. */
export const agentLoopSettingsSchema = z.strictObject(agentLoopSettingsShape);

/** Settings of `createAgentLoop`: the same for every run of one agent. */
export type AgentLoopSettings = z.input<typeof agentLoopSettingsSchema>;

/** `AgentLoopSettings` after checking, with every default applied: what the loop works with. */
export type AgentLoopConfig = z.output<typeof agentLoopSettingsSchema>;
