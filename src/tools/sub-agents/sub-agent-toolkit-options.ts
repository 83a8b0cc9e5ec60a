import { z } from 'zod';
import { agentRunnerShape } from '../../agent/agent-runner-options.js';
import { CostAccumulator } from '../../agent/budget.js';
import type { GatewayEvent } from '../../core/events.js';
import { consoleWarningLogger, type Logger } from '../../core/logger.js';
import {
  callable,
  implementing,
  invalidOption,
  nonBlankString,
  parseOptions,
  positiveInteger,
  positiveNumber,
  stringIterable,
} from '../../core/parse-options.js';
import type { Provider } from '../../core/provider.js';
import type { SubAgentRunnerSettings, SubAgentTools } from './run-sub-agent.js';
import { createSkillLoader, type SkillLoader } from './skill-loader.js';

/** Models a sub-agent may use when no allow-list is given (Anthropic's two current models). */
export const DEFAULT_SUB_AGENT_MODELS: readonly string[] = ['claude-sonnet-4-6', 'claude-opus-4-6'];

const CALLER = 'createSubAgentToolkit';

/** Options of 0.1.0 that changed (see CHANGELOG.md). */
const RENAMED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['defaultTimeout', "use 'defaultTimeoutMs' (milliseconds)"],
]);

/** The options of `createSubAgentToolkit`; one toolkit serves one parent run. */
export const subAgentToolkitOptionsSchema = z.strictObject({
  /** The parent's provider; sub-agents stream through it too. */
  provider: implementing<Provider>('a Provider', ['stream']),
  /** Model of a sub-agent that names none and whose skill names none (the app's model). */
  defaultModel: nonBlankString(),
  /**
   * Models `run_agent` may pick (default: claude-sonnet-4-6, claude-opus-4-6); empty allows any.
   * `defaultModel` is always allowed.
   */
  allowedModels: stringIterable().optional(),
  /** Directory of skill files (`<name>.md`); enables named agents. */
  skillsDir: nonBlankString('a non-empty path').optional(),
  /** A ready loader instead of `skillsDir` (give one or the other). */
  skillLoader: implementing<SkillLoader>('a loader from createSkillLoader()', ['load']).optional(),
  /**
   * Builds the tools of one sub-agent: the parent's local handlers and remote tools, without
   * approvals (no one could answer them) and without run_agent/get_background_result. Called
   * once per sub-agent, so each gets a fresh dispatcher.
   */
  buildSubAgentTools: callable<() => SubAgentTools>(),
  /** Tools hidden from sub-agents on top of run_agent and get_background_result. */
  excludedTools: stringIterable().optional(),
  /** The parent runner's accumulator: one budget for the parent and every sub-agent. */
  costAccumulator: z.instanceof(CostAccumulator, { message: 'must be a CostAccumulator' }).optional(),
  /** The parent's full session id: the sub-agents' tools run in this session. */
  parentSessionId: z.string().min(1),
  /** Turn limit of a sub-agent whose skill sets none (default 15). */
  defaultMaxTurns: positiveInteger().default(15),
  /** Wall-clock limit of a sub-agent in ms when its skill sets none (default 300 000). */
  defaultTimeoutMs: positiveNumber().default(300_000),
  /** Output tokens per sub-agent turn (default 32 000). */
  defaultMaxTokens: positiveInteger().default(32_000),
  /** Background sub-agents that may run at once (default 3). */
  maxConcurrentBackground: positiveInteger().default(3),
  /** How long `close({ cancel: false })` lets background sub-agents finish (default 30 000 ms). */
  backgroundDrainTimeoutMs: positiveNumber().default(30_000),
  /** Where named agents write `<agent>/<YYYY-MM-DD>.md`; today's file is deleted before a background launch. */
  outputsDir: nonBlankString('a non-empty path').optional(),
  /**
   * Every event of every sub-agent (never the parent's stream), with the sub-agent's observer
   * label (`sub<callIndex>:<first 12 characters of the parent id>`)
   * and the parent's full session id. The label is not unique across sessions: key anything
   * per session by `parentSessionId`.
   */
  onSubAgentEvent:
    callable<
      (event: GatewayEvent, label: string, parentSessionId: string) => void | Promise<void>
    >().optional(),
  /** The parent run's cancellation; when it aborts, background sub-agents are cancelled at once. */
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  /** Receives recovered problems (a throwing observer, a failed sub-agent); default: console. */
  logger: implementing<Logger>('a Logger', ['warn']).optional(),
  /** The clock for "today" (tests pin it); default `() => new Date()`. */
  now: callable<() => Date>().optional(),
  /** Each sub-agent's model turn limit in ms (default: the agent loop's). */
  turnTimeoutMs: agentRunnerShape.turnTimeoutMs.optional(),
  /** Each sub-agent's stall limit in ms (default: the agent loop's). */
  streamStallTimeoutMs: agentRunnerShape.streamStallTimeoutMs.optional(),
  /** Each sub-agent's tool-call limit in ms (default: the agent loop's). */
  toolCallTimeoutMs: agentRunnerShape.toolCallTimeoutMs.optional(),
  /** Retries of a sub-agent's failed model turn (default: the agent loop's). */
  retry: agentRunnerShape.retry.optional(),
  /** Whether sub-agents think (default: the agent loop's). */
  thinking: agentRunnerShape.thinking.optional(),
  /** Sub-agents' traces (their `invoke_agent` spans are children of the `run_agent` call's). */
  tracing: agentRunnerShape.tracing,
  /** Sub-agents compact their context like their parent (the parent's setting). */
  compaction: agentRunnerShape.compaction,
});

/** Options of `createSubAgentToolkit`; one toolkit serves one parent run. */
export type SubAgentToolkitOptions = z.input<typeof subAgentToolkitOptionsSchema>;

/** Options after validation, with defaults applied. */
export interface ResolvedSubAgentToolkitOptions {
  provider: Provider;
  defaultModel: string;
  /** Empty: any model. */
  allowedModels: ReadonlySet<string>;
  skillLoader: SkillLoader | undefined;
  buildSubAgentTools: () => SubAgentTools;
  excludedTools: ReadonlySet<string>;
  costAccumulator: CostAccumulator;
  parentSessionId: string;
  defaultMaxTurns: number;
  defaultTimeoutMs: number;
  defaultMaxTokens: number;
  maxConcurrentBackground: number;
  backgroundDrainTimeoutMs: number;
  outputsDir: string | undefined;
  onSubAgentEvent: SubAgentToolkitOptions['onSubAgentEvent'];
  signal: AbortSignal | undefined;
  logger: Logger;
  now: () => Date;
  runnerSettings: SubAgentRunnerSettings;
}

/**
 * Validates the toolkit options before anything runs and applies the defaults, so a
 * misconfigured app fails when the toolkit is built, naming the option.
 */
export function resolveSubAgentToolkitOptions(
  options: SubAgentToolkitOptions,
): ResolvedSubAgentToolkitOptions {
  const parsed = parseOptions(subAgentToolkitOptionsSchema, options, CALLER, RENAMED_OPTIONS);
  if (parsed.skillsDir !== undefined && parsed.skillLoader !== undefined) {
    throw invalidOption(CALLER, 'give skillsDir or skillLoader, not both');
  }
  const defaultModel = parsed.defaultModel.trim();
  const allowedModels = new Set(parsed.allowedModels ?? DEFAULT_SUB_AGENT_MODELS);
  if (allowedModels.size > 0) allowedModels.add(defaultModel);
  const { turnTimeoutMs, streamStallTimeoutMs, toolCallTimeoutMs, retry, thinking, tracing, compaction } =
    parsed;
  return {
    provider: parsed.provider,
    defaultModel,
    allowedModels,
    skillLoader:
      parsed.skillLoader ??
      (parsed.skillsDir === undefined ? undefined : createSkillLoader(parsed.skillsDir)),
    buildSubAgentTools: parsed.buildSubAgentTools,
    excludedTools: new Set(parsed.excludedTools),
    costAccumulator: parsed.costAccumulator ?? new CostAccumulator(),
    parentSessionId: parsed.parentSessionId,
    defaultMaxTurns: parsed.defaultMaxTurns,
    defaultTimeoutMs: parsed.defaultTimeoutMs,
    defaultMaxTokens: parsed.defaultMaxTokens,
    maxConcurrentBackground: parsed.maxConcurrentBackground,
    backgroundDrainTimeoutMs: parsed.backgroundDrainTimeoutMs,
    outputsDir: parsed.outputsDir,
    onSubAgentEvent: parsed.onSubAgentEvent,
    signal: parsed.signal,
    logger: parsed.logger ?? consoleWarningLogger,
    now: parsed.now ?? (() => new Date()),
    runnerSettings: {
      turnTimeoutMs,
      streamStallTimeoutMs,
      toolCallTimeoutMs,
      retry,
      thinking,
      tracing,
      compaction,
    },
  };
}
