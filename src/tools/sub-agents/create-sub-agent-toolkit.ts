import type { ToolDefinition, ToolHandler } from '../../core/tool.js';
import { ToolError } from '../../core/tool.js';
import type { DefinedTool } from '../define-tool.js';
import { pairTools } from '../pair-tools.js';
import { createBackgroundSubAgents } from './background-sub-agents.js';
import { deleteStaleOutput } from './delete-stale-output.js';
import { parseGetBackgroundResultInput } from './parse-get-background-result-input.js';
import { parseRunAgentInput } from './parse-run-agent-input.js';
import { planSubAgent, type SubAgentPlan } from './plan-sub-agent.js';
import { runSubAgent, type SubAgentResult } from './run-sub-agent.js';
import {
  createGetBackgroundResultToolDefinition,
  createRunAgentToolDefinition,
} from './sub-agent-tool-definitions.js';
import { resolveSubAgentToolkitOptions, type SubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

/** The sub-agent tools of one parent run, ready to merge into its dispatcher. */
export interface SubAgentToolkit {
  /** Handlers of `run_agent` and `get_background_result`. */
  handlers: { run_agent: ToolHandler; get_background_result: ToolHandler };
  /** Their definitions; `run_agent` lists the skills that existed when the toolkit was built. */
  definitions: ToolDefinition[];
  /** The same two tools for `createToolDispatcher({ tools })`: each definition with its handler. */
  tools: DefinedTool[];
  /**
   * Ends the toolkit when the parent run ends: no new sub-agents; background ones get up to
   * `backgroundDrainTimeoutMs` (30 s) to finish unless `cancel` is true, then are cancelled.
   * Idempotent; a later `{ cancel: true }` cuts a running drain short.
   */
  close(options?: { cancel?: boolean }): Promise<void>;
  /**
   * The "[Background tasks active: …]" line for the parent's next system prompt after a
   * compaction, or undefined when no background task runs.
   */
  backgroundTasksReminder(): string | undefined;
}

/**
 * Creates the `run_agent` and `get_background_result` tools for one parent run.
 *
 * Each sub-agent gets its own event log and runner, the parent's provider, the tools from
 * `buildSubAgentTools()` minus the sub-agent tools (so delegation is one level deep), no
 * approvals, and the parent's cost accumulator. Its events go to `onSubAgentEvent` only, never
 * to the parent's stream. A foreground sub-agent is cancelled with the `run_agent` call (the
 * parent's cancellation); background ones live until `close()` or `signal`.
 *
 * Options are validated synchronously before anything else; the skill list for the tool
 * description is then read from the skills directory.
 */
export async function createSubAgentToolkit(options: SubAgentToolkitOptions): Promise<SubAgentToolkit> {
  const settings = resolveSubAgentToolkitOptions(options);
  const skills = settings.skillLoader === undefined ? [] : await settings.skillLoader.listSkills();
  const background = createBackgroundSubAgents({
    maxRunning: settings.maxConcurrentBackground,
    drainTimeoutMs: settings.backgroundDrainTimeoutMs,
    parentSignal: settings.signal,
    logger: settings.logger,
  });
  let closed = false;

  const observe = (subSessionId: string) => {
    const observer = settings.onSubAgentEvent;
    if (observer === undefined) return undefined;
    return (event: Parameters<typeof observer>[0]): void => {
      try {
        const pending = observer(event, subSessionId, settings.parentSessionId);
        if (pending instanceof Promise) {
          pending.catch((error: unknown) =>
            settings.logger.warn('onSubAgentEvent failed', { subSessionId, error: String(error) }),
          );
        }
      } catch (error) {
        settings.logger.warn('onSubAgentEvent failed', { subSessionId, error: String(error) });
      }
    };
  };

  const start = (plan: SubAgentPlan, callIndex: number, signal: AbortSignal): Promise<SubAgentResult> => {
    // The label is for observers and logs only; the sub-agent's tools get the full parent id.
    const label = `sub${callIndex}:${settings.parentSessionId.slice(0, 12)}`;
    const onEvent = observe(label);
    return runSubAgent({
      provider: settings.provider,
      model: plan.model,
      systemPrompt: plan.systemPrompt,
      task: plan.task,
      sessionId: settings.parentSessionId,
      label,
      maxTurns: plan.maxTurns,
      timeoutMs: plan.timeoutMs,
      maxTokens: settings.defaultMaxTokens,
      tools: settings.buildSubAgentTools(),
      excludedTools: settings.excludedTools,
      costAccumulator: settings.costAccumulator,
      gatewayBudget: settings.gatewayBudget?.(),
      signal,
      ...(onEvent === undefined ? {} : { onEvent }),
      runnerSettings: settings.runnerSettings,
      agentName: plan.agent ?? 'sub-agent',
      logger: settings.logger,
    });
  };

  const runAgent: ToolHandler = async (input, context) => {
    if (closed)
      throw new ToolError('internal_error', 'Sub-agent runner not initialized (the parent run has ended)');
    const request = parseRunAgentInput(input);
    const plan = await planSubAgent(request, settings);
    if (!request.background) return start(plan, context.callIndex, context.signal);

    background.assertCapacity();
    if (settings.outputsDir !== undefined && plan.agent !== undefined) {
      await deleteStaleOutput({ outputsDir: settings.outputsDir, agent: plan.agent, today: settings.now() });
    }
    return background.launch(plan.agent, (signal) => start(plan, context.callIndex, signal));
  };

  const getBackgroundResult: ToolHandler = async (input, context) => {
    const request = parseGetBackgroundResultInput(input);
    if (!background.has(request.taskId)) {
      throw new ToolError('not_found', `Unknown background task: ${request.taskId}`);
    }
    return background.report(request.taskId, {
      ...(request.wait ? { waitMs: request.timeoutSeconds * 1000 } : {}),
      signal: context.signal,
    });
  };

  const handlers = { run_agent: runAgent, get_background_result: getBackgroundResult };
  const definitions = [
    createRunAgentToolDefinition({ skills, allowedModels: [...settings.allowedModels] }),
    createGetBackgroundResultToolDefinition(),
  ];
  return {
    handlers,
    definitions,
    tools: pairTools(handlers, definitions),
    close(closeOptions = {}) {
      closed = true;
      return background.close({ cancel: closeOptions.cancel === true });
    },
    backgroundTasksReminder: () => background.reminder(),
  };
}
