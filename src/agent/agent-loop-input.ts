import type { Context } from '@opentelemetry/api';
import { z } from 'zod';
import type { UsageSummary } from '../core/events.js';
import type { Message, SystemPrompt } from '../core/messages.js';
import { callable, implementing, objectOf, positiveInteger } from '../core/parse-options.js';
import type { CheckpointSink, RunCheckpoint } from '../core/run-takeover.js';
import type { ToolDefinition, ToolExecutor } from '../core/tool.js';
import type { OnToolResult } from './agent-hooks.js';
import type { TakeSteering } from './steering.js';
import { CostAccumulator } from './budget.js';
import { EventLog } from './event-log.js';
import type { RunBudget } from './model-call-meter.js';

/** The conversation part of one run: what a chat or a headless session hands to its runner. */
export const runOptionsShape = {
  /** The conversation so far; not mutated (the result carries the extended copy). */
  messages: z.custom<readonly Message[]>(Array.isArray, { message: 'must be an array' }),
  systemPrompt: z
    .custom<SystemPrompt>((value) => typeof value === 'string' || Array.isArray(value), {
      message: 'must be a string or an array of [text, shouldCache] pairs',
    })
    .optional(),
  /** Overrides the loop's model for this run. */
  model: z.string().min(1).optional(),
  /** Overrides the loop's turn limit for this run. */
  maxTurns: positiveInteger().optional(),
  /** Cancels the run: the provider request, tool calls and every wait stop at once. */
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  /**
   * Continues a run from a checkpoint taken by another loop (another instance) instead of
   * starting over: history, turn count and tokens come from it, `messages` is ignored, and tool
   * calls left in flight are finished first (idempotent tools re-run, others `interrupted`).
   */
  resume: objectOf<RunCheckpoint>('a checkpoint').optional(),
  /** The parent of the run's span (an incoming `traceparent`); default: the active context. */
  traceParent: objectOf<Context>('an OpenTelemetry Context').optional(),
  /** The run's id, recorded on its span (`gateway.run.id`). */
  runId: z.string().min(1).optional(),
  /**
   * Who the run is for, recorded on its span as `enduser.id`: an opaque stand-in (the server
   * passes a hash of the run's owner), never a credential.
   */
  endUserId: z.string().min(1).optional(),
  /**
   * User messages sent while the run works (`multitask: "steer"`): read at each turn boundary,
   * they join the conversation before the next model call (see `applySteering`).
   */
  steering: callable<TakeSteering>().optional(),
  /**
   * The gateway budgets the run spends under (`server.budgets`): each model call reserves its
   * worst case there first and is settled to its usage after. A refused call ends the run with
   * outcome `budget_exceeded`, its completed steps kept.
   */
  budget: objectOf<RunBudget>('a run budget ({ gate, payer })').optional(),
};

/** The conversation part of one run. */
export const runOptionsSchema = z.strictObject(runOptionsShape);

/** The conversation part of one run (`ChatRunner.run`, `runSession`'s `run`). */
export type RunOptions = z.input<typeof runOptionsSchema>;

/** The parts of one run besides its conversation: where it writes, what it calls, what it spends. */
export const runPartsShape = {
  /** The tools this run calls. */
  tools: implementing<ToolExecutor>('a ToolExecutor (dispatch)', ['dispatch']),
  /** The run's event log: every event of the run goes there. */
  eventLog: z.instanceof(EventLog, { message: 'must be an EventLog' }),
  /** The session the run belongs to, seen by tools and hooks. */
  sessionId: z.string().min(1),
  /** The tools advertised to the model (none when left out); read once per run. */
  getToolDefinitions: callable<() => ToolDefinition[]>().optional(),
  /**
   * The run's budget, shared with its sub-agents; default: a fresh one of the loop's
   * `maxBudgetUsd`. Each run needs its own: one shared between runs spends one budget.
   */
  costAccumulator: z.instanceof(CostAccumulator, { message: 'must be a CostAccumulator' }).optional(),
  /** The "[Background tasks active: …]" line for the turn after a compaction (sub-agents). */
  backgroundTasksReminder: callable<() => string | undefined>().optional(),
  /**
   * Receives a checkpoint after each step (the model's tool calls, each finished call, the
   * tool results), so that another instance can continue the run if this one dies. Writes are
   * serialised; a failing sink is logged, never fatal.
   */
  onCheckpoint: callable<CheckpointSink>().optional(),
  /** This run's tool-result hook, in place of the loop's (a session's image sanitiser). */
  onToolResult: callable<OnToolResult>().optional(),
};

/** Everything one `AgentLoop.run()` takes. */
export const agentLoopRunSchema = z.strictObject({ ...runOptionsShape, ...runPartsShape });

/** The input of one `AgentLoop.run()`: the conversation plus the run's own parts. */
export type AgentLoopRunInput = z.input<typeof agentLoopRunSchema>;

/** `AgentLoopRunInput` after checking. */
export type ParsedRunInput = z.output<typeof agentLoopRunSchema>;

/**
 * How a run ended. `error` and `aborted` runs emitted no `stream_complete`. `budget` is the run's
 * own `maxBudgetUsd`; `budget_exceeded` a gateway budget (`server.budgets`) that refused a model
 * call.
 */
export type RunOutcome = 'completed' | 'max_turns' | 'budget' | 'budget_exceeded' | 'error' | 'aborted';

/** What a run resolves with. */
export interface RunResult {
  outcome: RunOutcome;
  /** The input history plus every assistant and tool-result message of this run. */
  messages: Message[];
  /**
   * With client-side compaction, the messages this run had produced before each compaction put
   * a summary in their place, in order (absent when the run did not compact). `messages` then
   * starts from the last summary; these are what a stored thread keeps of the run besides it.
   */
  compactedMessages?: Message[];
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
