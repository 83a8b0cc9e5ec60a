import { invalidOption } from '../core/parse-options.js';
import { AgentRunner } from './agent-runner.js';
import {
  resolveAgentRunnerOptions,
  type AgentRunnerOptions,
  type ResolvedRunnerSettings,
} from './agent-runner-options.js';
import { CostAccumulator } from './budget.js';
import { EventLog } from './event-log.js';

/** The parts of the runner's options that differ between the runs of one agent. */
export interface PerRunRunnerOptions {
  tools: AgentRunnerOptions['tools'];
  eventLog: EventLog;
  sessionId: string;
  /** This run's model (default: the template's). */
  model?: string;
  /** This run's turn limit (default: the template's). */
  maxTurns?: number;
  /** This run's budget (default: a fresh one of the template's `maxBudgetUsd`). */
  costAccumulator?: CostAccumulator;
  getToolDefinitions?: AgentRunnerOptions['getToolDefinitions'];
  backgroundTasksReminder?: AgentRunnerOptions['backgroundTasksReminder'];
  onCheckpoint?: AgentRunnerOptions['onCheckpoint'];
  onToolResult?: AgentRunnerOptions['onToolResult'];
}

const CALLER = 'runAgent';

/** Checks the per-run parts by hand: the schema's full parse is what the template spares. */
function checkPerRun(parts: PerRunRunnerOptions, template: AgentRunnerOptions): void {
  const problems: string[] = [];
  if (!(parts.eventLog instanceof EventLog)) problems.push('eventLog: must be an EventLog');
  if (typeof parts.tools?.dispatch !== 'function') problems.push('tools: must be a ToolExecutor (dispatch)');
  if (typeof parts.sessionId !== 'string' || parts.sessionId === '')
    problems.push('sessionId: must be a non-empty string');
  if (parts.model !== undefined && (typeof parts.model !== 'string' || parts.model === ''))
    problems.push('model: must be a non-empty string');
  if (parts.maxTurns !== undefined && !(Number.isInteger(parts.maxTurns) && parts.maxTurns > 0))
    problems.push('maxTurns: must be a positive integer');
  if (parts.costAccumulator !== undefined) {
    if (!(parts.costAccumulator instanceof CostAccumulator))
      problems.push('costAccumulator: must be a CostAccumulator');
    else if (template.maxBudgetUsd !== undefined)
      problems.push('give either maxBudgetUsd or costAccumulator (whose budget then applies), not both');
  } else if (template.costAccumulator !== undefined) {
    // The template's accumulator is a sample: sharing it would make every run spend one budget.
    problems.push('costAccumulator: each run needs its own when the template was given one');
  }
  for (const name of [
    'getToolDefinitions',
    'backgroundTasksReminder',
    'onCheckpoint',
    'onToolResult',
  ] as const) {
    const value = parts[name];
    if (value !== undefined && typeof value !== 'function') problems.push(`${name}: must be a function`);
  }
  if (problems.length > 0) throw invalidOption(CALLER, problems.join('; '));
}

/**
 * The agent loop's options checked once for every run of one agent. A gateway builds a runner
 * per chat from the same settings; parsing them with their schema each time was a measurable
 * share of a short chat's CPU (docs/PERFORMANCE.md). The template parses the options
 * it is given once (the per-run parts in them are samples, checked like the rest), and each
 * `runner()` call only checks the parts that change and copies the settings.
 */
export class RunnerTemplate {
  readonly #options: AgentRunnerOptions;
  readonly #settings: ResolvedRunnerSettings;

  /** Validates every option; throws `GatewayError('invalid_option')` naming the bad one. */
  constructor(options: AgentRunnerOptions) {
    this.#settings = resolveAgentRunnerOptions(options);
    this.#options = options;
  }

  /** A runner for one run, with the template's settings and this run's own parts. */
  runner(parts: PerRunRunnerOptions): AgentRunner {
    checkPerRun(parts, this.#options);
    const template = this.#settings;
    const options: AgentRunnerOptions = { ...this.#options };
    for (const name of Object.keys(parts) as Array<keyof PerRunRunnerOptions>) {
      if (parts[name] !== undefined) Object.assign(options, { [name]: parts[name] });
    }
    const settings: ResolvedRunnerSettings = {
      ...template,
      maxTurns: parts.maxTurns ?? template.maxTurns,
      // A budget is per run, never the sample's: each run spends its own.
      costAccumulator: parts.costAccumulator ?? new CostAccumulator(this.#options.maxBudgetUsd),
      backgroundTasksReminder: parts.backgroundTasksReminder ?? template.backgroundTasksReminder,
    };
    return new AgentRunner(options, settings);
  }
}
