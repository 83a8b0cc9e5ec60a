import type { RunBudget } from '../../agent/model-call-meter.js';
import type { RunResult } from '../../agent/agent-loop-input.js';
import type { AgentLoopSettings } from '../../agent/agent-loop-settings.js';
import { createAgentLoop } from '../../agent/create-agent-loop.js';
import type { CostAccumulator } from '../../agent/budget.js';
import { EventLog } from '../../agent/event-log.js';
import { createLinkedAbortController } from '../../agent/linked-abort-controller.js';
import type { Logger } from '../../core/logger.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayEvent, UsageSummary } from '../../core/events.js';
import type { Provider } from '../../core/provider.js';
import type { ToolDefinition, ToolExecutor } from '../../core/tool.js';
import { createSubAgentOutputCollector } from './sub-agent-output-collector.js';
import { SUB_AGENT_TOOL_NAMES } from './sub-agent-tool-definitions.js';

/** The notice a sub-agent's run ends with when its turn limit stops it. */
export const SUB_AGENT_MAX_TURNS_NOTICE = '[Sub-agent reached maximum turn limit]';

/** What `run_agent` returns to the parent model. */
export interface SubAgentResult {
  /** The sub-agent's final text (partial when it was stopped early). */
  response: string;
  /** Tools the sub-agent called, in order, duplicates kept. */
  tools_used: string[];
  usage: UsageSummary;
  /** Why the result may be incomplete; several reasons are joined with "; ". */
  warning?: string;
}

/** The tools a sub-agent may use. */
export interface SubAgentTools {
  executor: ToolExecutor;
  definitions: ToolDefinition[];
}

/** Loop settings passed through to every sub-agent's loop (`createAgentLoop`). */
export type SubAgentRunnerSettings = Pick<
  AgentLoopSettings,
  | 'turnTimeoutMs'
  | 'streamStallTimeoutMs'
  | 'toolCallTimeoutMs'
  | 'retry'
  | 'thinking'
  | 'tracing'
  | 'compaction'
  | 'fallback'
  | 'circuitBreaker'
>;

/** One sub-agent run. */
export interface RunSubAgentOptions {
  provider: Provider;
  model: string;
  systemPrompt: string;
  task: string;
  /**
   * The parent's full session id. The sub-agent's tools, MCP `_session_id` injection and
   * anything else keyed by session see exactly this, so a sub-agent acts inside its parent's
   * session and never inside another session that shares a prefix with it.
   */
  sessionId: string;
  /**
   * A short name for logs and observers (`sub<callIndex>:<first 12 characters of the parent
   * session id>`). It identifies nothing: never key state by it.
   */
  label: string;
  /** The skill's name, or `sub-agent` for an anonymous one (`gen_ai.agent.name`). */
  agentName: string;
  maxTurns: number;
  /** Wall-clock limit in ms; when it passes, the partial result comes back with a warning. */
  timeoutMs: number;
  maxTokens: number;
  tools: SubAgentTools;
  /** Hidden from the sub-agent on top of run_agent and get_background_result. */
  excludedTools: ReadonlySet<string>;
  /** Shared with the parent, so one budget covers the parent and all its sub-agents. */
  costAccumulator: CostAccumulator;
  /** The parent's gateway budgets, without its pre-admitted call: each of its calls is reserved. */
  gatewayBudget?: RunBudget | undefined;
  /** The parent's cancellation: aborting it cancels the sub-agent (the promise rejects). */
  signal: AbortSignal;
  /** Sees every event of the sub-agent; they never enter the parent's stream. */
  onEvent?: (event: GatewayEvent) => void;
  runnerSettings: SubAgentRunnerSettings;
  logger: Logger;
}

/** setTimeout's ceiling (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const emptyUsage: UsageSummary = {
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  estimated_cost: 0,
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs one sub-agent to completion with its own event log and runner, and turns the outcome
 * into the parent's tool result.
 *
 * Stopping early is not a failure: a timeout, the shared budget, the turn limit or a provider
 * error each return what the sub-agent produced so far with a warning, because partial findings
 * are still worth something to the parent. Only the parent's cancellation rejects
 * (`GatewayError('aborted')`). No timer or listener outlives the call.
 */
export async function runSubAgent(options: RunSubAgentOptions): Promise<SubAgentResult> {
  const collector = createSubAgentOutputCollector();
  const eventLog = new EventLog();
  const stopObserving = eventLog.onAppend(({ event }) => {
    collector.add(event);
    options.onEvent?.(event);
  });
  const controller = createLinkedAbortController(options.signal);
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new GatewayError('aborted', 'sub-agent timed out'));
    },
    Math.min(MAX_TIMER_MS, options.timeoutMs),
  );

  let result: RunResult | undefined;
  let failure: string | undefined;
  try {
    const excludedTools = new Set([...SUB_AGENT_TOOL_NAMES, ...options.excludedTools]);
    const definitions = options.tools.definitions.filter((definition) => !excludedTools.has(definition.name));
    // A sub-agent is an agent of its own (its skill's model, limits and name): its own loop.
    const loop = createAgentLoop({
      ...options.runnerSettings,
      agentName: options.agentName,
      provider: options.provider,
      model: options.model,
      maxTokens: options.maxTokens,
      maxTurns: options.maxTurns,
      maxTurnsNotice: SUB_AGENT_MAX_TURNS_NOTICE,
      excludedTools,
      logger: options.logger,
    });
    result = await loop.run({
      tools: options.tools.executor,
      eventLog,
      sessionId: options.sessionId,
      getToolDefinitions: () => definitions,
      costAccumulator: options.costAccumulator,
      ...(options.gatewayBudget === undefined
        ? {}
        : { budget: { gate: options.gatewayBudget.gate, payer: options.gatewayBudget.payer } }),
      messages: [{ role: 'user', content: options.task }],
      systemPrompt: options.systemPrompt,
      signal: controller.signal,
    });
  } catch (error) {
    // A misconfigured loop or a bug in it: report it to the parent model, like a
    // provider failure, rather than failing the parent's turn.
    failure = messageOf(error);
    options.logger.warn('sub-agent run failed', {
      sessionId: options.sessionId,
      subAgent: options.label,
      error: failure,
    });
  } finally {
    clearTimeout(timer);
    controller.dispose();
    stopObserving();
  }

  if (options.signal.aborted && !timedOut) {
    throw new GatewayError('aborted', 'Sub-agent was cancelled', { cause: options.signal.reason });
  }
  const warnings: string[] = [];
  if (timedOut) {
    warnings.push(`Sub-agent timed out after ${options.timeoutMs / 1000}s — partial results returned`);
  }
  if (failure !== undefined) warnings.push(`Sub-agent error: ${failure}`);
  if (result?.outcome === 'error') warnings.push(`Sub-agent error: ${result.error ?? 'unknown error'}`);
  if (result?.outcome === 'budget') warnings.push('Sub-agent stopped: budget limit reached');
  if (result?.outcome === 'max_turns')
    warnings.push('Sub-agent stopped: max turns reached — partial results');
  return {
    response: collector.response(),
    tools_used: collector.toolsUsed(),
    usage: result?.usage ?? emptyUsage,
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
  };
}
