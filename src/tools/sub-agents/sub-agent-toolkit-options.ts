import { CostAccumulator } from '../../agent/budget.js';
import { consoleWarningLogger, type Logger } from '../../core/logger.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayEvent } from '../../core/events.js';
import type { Provider } from '../../core/provider.js';
import type { SubAgentRunnerSettings, SubAgentTools } from './run-sub-agent.js';
import { createSkillLoader, type SkillLoader } from './skill-loader.js';

/** Models a sub-agent may use when no allow-list is given (the original's defaults). */
export const DEFAULT_SUB_AGENT_MODELS: readonly string[] = ['claude-sonnet-4-6', 'claude-opus-4-6'];

/** Options of `createSubAgentToolkit`; one toolkit serves one parent run. */
export interface SubAgentToolkitOptions extends SubAgentRunnerSettings {
  /** The parent's provider; sub-agents stream through it too. */
  provider: Provider;
  /** Model of a sub-agent that names none and whose skill names none (the app's model). */
  defaultModel: string;
  /**
   * Models `run_agent` may pick (default: claude-sonnet-4-6, claude-opus-4-6); empty allows any.
   * `defaultModel` is always allowed.
   */
  allowedModels?: Iterable<string>;
  /** Directory of skill files (`<name>.md`); enables named agents. */
  skillsDir?: string;
  /** A ready loader instead of `skillsDir` (give one or the other). */
  skillLoader?: SkillLoader;
  /**
   * Builds the tools of one sub-agent: the parent's local handlers and remote tools, without
   * approvals (no one could answer them) and without run_agent/get_background_result. Called
   * once per sub-agent, so each gets a fresh dispatcher.
   */
  buildSubAgentTools: () => SubAgentTools;
  /** Tools hidden from sub-agents on top of run_agent and get_background_result. */
  excludedTools?: Iterable<string>;
  /** The parent runner's accumulator: one budget for the parent and every sub-agent. */
  costAccumulator?: CostAccumulator;
  /** The parent's full session id: the sub-agents' tools run in this session. */
  parentSessionId: string;
  /** Turn limit of a sub-agent whose skill sets none (default 15). */
  defaultMaxTurns?: number;
  /** Wall-clock limit of a sub-agent in seconds when its skill sets none (default 300). */
  defaultTimeout?: number;
  /** Output tokens per sub-agent turn (default 32 000). */
  defaultMaxTokens?: number;
  /** Background sub-agents that may run at once (default 3). */
  maxConcurrentBackground?: number;
  /** How long `close({ cancel: false })` lets background sub-agents finish (default 30 000 ms). */
  backgroundDrainTimeoutMs?: number;
  /** Where named agents write `<agent>/<YYYY-MM-DD>.md`; today's file is deleted before a background launch. */
  outputsDir?: string;
  /**
   * Every event of every sub-agent (never the parent's stream), with the sub-agent's observer
   * label (`sub<callIndex>:<first 12 characters of the parent id>`, as the original named it)
   * and the parent's full session id. The label is not unique across sessions: key anything
   * per session by `parentSessionId`.
   */
  onSubAgentEvent?: (event: GatewayEvent, label: string, parentSessionId: string) => void | Promise<void>;
  /** The parent run's cancellation; when it aborts, background sub-agents are cancelled at once. */
  signal?: AbortSignal;
  /** Receives recovered problems (a throwing observer, a failed sub-agent); default: console. */
  logger?: Logger;
  /** The clock for "today" (tests pin it); default `() => new Date()`. */
  now?: () => Date;
}

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
  defaultTimeout: number;
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

const fail = (problem: string): never => {
  throw new GatewayError('invalid_option', `createSubAgentToolkit: ${problem}`);
};

const describe = (value: unknown): string =>
  typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;

function positive(name: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    fail(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${describe(value)}`);
  }
  return value as number;
}

function stringSet(name: string, value: unknown, fallback: Iterable<string>): Set<string> {
  if (value === undefined) return new Set(fallback);
  if (
    typeof value === 'string' ||
    typeof value !== 'object' ||
    value === null ||
    !(Symbol.iterator in value)
  ) {
    return fail(`${name} must be an iterable of strings (a Set or an array)`);
  }
  const names = [...(value as Iterable<unknown>)];
  if (!names.every((entry) => typeof entry === 'string')) fail(`${name} must contain only strings`);
  return new Set(names as string[]);
}

function optionalFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function`);
}

/**
 * Validates the toolkit options before anything runs and applies the defaults, so a
 * misconfigured app fails when the toolkit is built, naming the option.
 */
export function resolveSubAgentToolkitOptions(
  options: SubAgentToolkitOptions,
): ResolvedSubAgentToolkitOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { provider } = options;
  if (typeof provider !== 'object' || provider === null || typeof provider.stream !== 'function') {
    fail('provider must implement Provider');
  }
  if (typeof options.defaultModel !== 'string' || options.defaultModel.trim() === '') {
    fail('defaultModel must be a non-empty string');
  }
  if (typeof options.parentSessionId !== 'string' || options.parentSessionId === '') {
    fail('parentSessionId must be a non-empty string');
  }
  if (typeof options.buildSubAgentTools !== 'function') fail('buildSubAgentTools must be a function');
  if (options.skillsDir !== undefined && options.skillLoader !== undefined) {
    fail('give skillsDir or skillLoader, not both');
  }
  if (
    options.skillsDir !== undefined &&
    (typeof options.skillsDir !== 'string' || options.skillsDir.trim() === '')
  ) {
    fail('skillsDir must be a non-empty path');
  }
  const { skillLoader } = options;
  if (
    skillLoader !== undefined &&
    (typeof skillLoader !== 'object' || typeof skillLoader?.load !== 'function')
  ) {
    fail('skillLoader must come from createSkillLoader()');
  }
  if (
    options.outputsDir !== undefined &&
    (typeof options.outputsDir !== 'string' || options.outputsDir.trim() === '')
  ) {
    fail('outputsDir must be a non-empty path');
  }
  if (options.costAccumulator !== undefined && !(options.costAccumulator instanceof CostAccumulator)) {
    fail('costAccumulator must be a CostAccumulator');
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    fail('signal must be an AbortSignal');
  optionalFunction('onSubAgentEvent', options.onSubAgentEvent);
  optionalFunction('now', options.now);
  if (options.logger !== undefined && typeof options.logger?.warn !== 'function') {
    fail('logger must implement Logger');
  }

  for (const name of ['perTurnTimeoutMs', 'streamStallTimeoutMs', 'toolCallTimeoutMs'] as const) {
    positive(name, options[name], 1, false);
  }
  const defaultModel = options.defaultModel.trim();
  const allowedModels = stringSet('allowedModels', options.allowedModels, DEFAULT_SUB_AGENT_MODELS);
  if (allowedModels.size > 0) allowedModels.add(defaultModel);
  return {
    provider,
    defaultModel,
    allowedModels,
    skillLoader:
      skillLoader ?? (options.skillsDir === undefined ? undefined : createSkillLoader(options.skillsDir)),
    buildSubAgentTools: options.buildSubAgentTools,
    excludedTools: stringSet('excludedTools', options.excludedTools, []),
    costAccumulator: options.costAccumulator ?? new CostAccumulator(),
    parentSessionId: options.parentSessionId,
    defaultMaxTurns: positive('defaultMaxTurns', options.defaultMaxTurns, 15, true),
    defaultTimeout: positive('defaultTimeout', options.defaultTimeout, 300, false),
    defaultMaxTokens: positive('defaultMaxTokens', options.defaultMaxTokens, 32_000, true),
    maxConcurrentBackground: positive('maxConcurrentBackground', options.maxConcurrentBackground, 3, true),
    backgroundDrainTimeoutMs: positive(
      'backgroundDrainTimeoutMs',
      options.backgroundDrainTimeoutMs,
      30_000,
      false,
    ),
    outputsDir: options.outputsDir,
    onSubAgentEvent: options.onSubAgentEvent,
    signal: options.signal,
    logger: options.logger ?? consoleWarningLogger,
    now: options.now ?? (() => new Date()),
    runnerSettings: {
      ...(options.perTurnTimeoutMs === undefined ? {} : { perTurnTimeoutMs: options.perTurnTimeoutMs }),
      ...(options.streamStallTimeoutMs === undefined
        ? {}
        : { streamStallTimeoutMs: options.streamStallTimeoutMs }),
      ...(options.toolCallTimeoutMs === undefined ? {} : { toolCallTimeoutMs: options.toolCallTimeoutMs }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.thinking === undefined ? {} : { thinking: options.thinking }),
    },
  };
}
