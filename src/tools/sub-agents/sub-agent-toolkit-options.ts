import type { RunBudget } from '../../agent/model-call-meter.js';
import { z } from 'zod';
import { agentLoopSettingsShape } from '../../agent/agent-loop-settings.js';
import { CostAccumulator } from '../../agent/budget.js';
import type { GatewayEvent } from '../../core/events.js';
import { consoleWarningLogger, type Logger } from '../../core/logger.js';
import {
  callable,
  implementing,
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

/** The loop settings every sub-agent takes from its parent (the loop's defaults otherwise). */
const subAgentRunnerShape = {
  /** Each sub-agent's model turn limit in ms (default: the agent loop's). */
  turnTimeoutMs: agentLoopSettingsShape.turnTimeoutMs.optional(),
  /** Each sub-agent's stall limit in ms (default: the agent loop's). */
  streamStallTimeoutMs: agentLoopSettingsShape.streamStallTimeoutMs.optional(),
  /** Each sub-agent's tool-call limit in ms (default: the agent loop's). */
  toolCallTimeoutMs: agentLoopSettingsShape.toolCallTimeoutMs.optional(),
  /** Retries of a sub-agent's failed model turn (default: the agent loop's). */
  retry: agentLoopSettingsShape.retry.optional(),
  /** Whether sub-agents think (default: the agent loop's). */
  thinking: agentLoopSettingsShape.thinking.optional(),
  /** Sub-agents' traces (their `invoke_agent` spans are children of the `run_agent` call's). */
  tracing: agentLoopSettingsShape.tracing,
  /** Sub-agents compact their context like their parent (the parent's setting). */
  compaction: agentLoopSettingsShape.compaction,
  /** Sub-agents fall back to their parent's fallback models (none by default). */
  fallback: agentLoopSettingsShape.fallback.optional(),
  /** The parent's breaker: sub-agents skip the models it skips and count their failures in it. */
  circuitBreaker: agentLoopSettingsShape.circuitBreaker.optional(),
};

/** The options of `createSubAgentToolkit`; one toolkit serves one parent run. */
export const subAgentToolkitOptionsSchema = z
  .strictObject({
    /** The parent's provider; sub-agents stream through it too. */
    provider: implementing<Provider>('a Provider', ['stream']),
    /** Model of a sub-agent that names none and whose skill names none (the app's model). */
    defaultModel: nonBlankString().transform((model) => model.trim()),
    /** Models `run_agent` may pick; empty allows any. `defaultModel` is always allowed. */
    allowedModels: stringIterable().default([...DEFAULT_SUB_AGENT_MODELS]),
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
    excludedTools: stringIterable()
      .optional()
      .transform((names): ReadonlySet<string> => new Set(names)),
    /** The parent run's accumulator: one budget for the parent and every sub-agent (none: no budget). */
    costAccumulator: z
      .instanceof(CostAccumulator, { message: 'must be a CostAccumulator' })
      .default(() => new CostAccumulator()),
    /** The parent run's gateway budgets (`server.budgets`): sub-agents' model calls spend under them. */
    gatewayBudget: callable<() => RunBudget | undefined>().optional(),
    /** The parent's full session id: the sub-agents' tools run in this session. */
    parentSessionId: z.string().min(1),
    /** Turn limit of a sub-agent whose skill sets none. */
    defaultMaxTurns: positiveInteger().default(15),
    /** Wall-clock limit of a sub-agent in ms when its skill sets none. */
    defaultTimeoutMs: positiveNumber().default(300_000),
    /** Output tokens per sub-agent turn. */
    defaultMaxTokens: positiveInteger().default(32_000),
    /** Background sub-agents that may run at once. */
    maxConcurrentBackground: positiveInteger().default(3),
    /** How long `close({ cancel: false })` lets background sub-agents finish, in ms. */
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
    /** Receives recovered problems (a throwing observer, a failed sub-agent). */
    logger: implementing<Logger>('a Logger', ['warn']).default(() => consoleWarningLogger),
    /** The clock for "today" (tests pin it). */
    now: callable<() => Date>().default(() => () => new Date()),
    ...subAgentRunnerShape,
  })
  .refine((options) => options.skillsDir === undefined || options.skillLoader === undefined, {
    message: 'give skillsDir or skillLoader, not both',
    path: ['skillLoader'],
  });

/** Options of `createSubAgentToolkit`; one toolkit serves one parent run. */
export type SubAgentToolkitOptions = z.input<typeof subAgentToolkitOptionsSchema>;

type ParsedToolkitOptions = z.output<typeof subAgentToolkitOptionsSchema>;

/** The toolkit's settings: its options after checking, with what they name built. */
export type SubAgentToolkitSettings = Omit<ParsedToolkitOptions, 'skillsDir' | 'allowedModels'> & {
  /** Empty: any model. */
  allowedModels: ReadonlySet<string>;
  skillLoader: SkillLoader | undefined;
  runnerSettings: SubAgentRunnerSettings;
};

/**
 * Validates the toolkit options before anything runs and applies the defaults, so a
 * misconfigured app fails when the toolkit is built, naming the option.
 */
export function resolveSubAgentToolkitOptions(options: SubAgentToolkitOptions): SubAgentToolkitSettings {
  const { skillsDir, skillLoader, allowedModels, ...settings } = parseOptions(
    subAgentToolkitOptionsSchema,
    options,
    CALLER,
    RENAMED_OPTIONS,
  );
  const models = new Set(allowedModels);
  if (models.size > 0) models.add(settings.defaultModel);
  return {
    ...settings,
    allowedModels: models,
    skillLoader: skillLoader ?? (skillsDir === undefined ? undefined : createSkillLoader(skillsDir)),
    runnerSettings: {
      turnTimeoutMs: settings.turnTimeoutMs,
      streamStallTimeoutMs: settings.streamStallTimeoutMs,
      toolCallTimeoutMs: settings.toolCallTimeoutMs,
      retry: settings.retry,
      thinking: settings.thinking,
      tracing: settings.tracing,
      compaction: settings.compaction,
      fallback: settings.fallback,
      circuitBreaker: settings.circuitBreaker,
    },
  };
}
