import { parseOptions } from '../core/parse-options.js';
import {
  agentLoopRunSchema,
  type AgentLoopRunInput,
  type ParsedRunInput,
  type RunResult,
} from './agent-loop-input.js';
import {
  agentLoopSettingsSchema,
  RENAMED_LOOP_OPTIONS,
  type AgentLoopConfig,
  type AgentLoopSettings,
} from './agent-loop-settings.js';
import { checkRunInput } from './check-run-input.js';
import { runLoop } from './run-loop.js';

/** The name errors of `createAgentLoop` and `AgentLoop.run` start with. */
const CALLER = 'createAgentLoop';

/**
 * One agent's loop: made once with the agent's settings, run many times, by any number of
 * chats at once (a run keeps its state to itself).
 */
export interface AgentLoop {
  /** The checked settings, every default applied. */
  readonly settings: AgentLoopConfig;
  /**
   * Runs the loop once over `input.messages`: streams model turns, runs the tools they call,
   * feeds the results back, and stops on the model's final answer, the turn limit, the budget,
   * a failure or `input.signal`. Every event goes to `input.eventLog`, which ends with exactly
   * one terminal event — `stream_complete` on success, `error` on failure — unless the signal
   * aborted the run, in which case nothing more is written and the caller decides what to
   * emit. Bad input rejects with `GatewayError('invalid_option')` before anything is sent.
   * When the promise settles no timer, listener or request of the run is left behind.
   */
  run(input: AgentLoopRunInput): Promise<RunResult>;
}

/**
 * Makes the agent loop of one agent. The settings (provider, model, limits, timeouts, hooks,
 * compaction, tracing) are checked once here, so a misconfiguration fails at start-up naming
 * the option (`GatewayError('invalid_option')`), and each `run()` checks only its own input:
 * the conversation, its event log, tools, session and budget.
 *
 * @example
 * const loop = createAgentLoop({ provider, model: 'claude-sonnet-4-5', maxTurns: 20 });
 * const tools = createToolDispatcher({ tools: [weather] });
 * const result = await loop.run({
 *   messages: [{ role: 'user', content: 'Weather in Oslo?' }],
 *   systemPrompt: 'You are brief.',
 *   eventLog: new EventLog(),
 *   sessionId: 'demo',
 *   tools,
 *   getToolDefinitions: () => tools.getToolDefinitions(),
 * });
 */
export function createAgentLoop(settings: AgentLoopSettings): AgentLoop {
  const config = parseOptions(agentLoopSettingsSchema, settings, CALLER, RENAMED_LOOP_OPTIONS);
  return {
    settings: config,
    run(input) {
      // Plain type tests first: a valid input's run promise is returned as it is. The schema
      // when they fail (or a getter of the input throws), to word the error, as a rejection.
      let checked: ParsedRunInput | undefined;
      try {
        checked = checkRunInput(input);
      } catch {
        checked = undefined;
      }
      if (checked !== undefined) return runLoop(config, checked);
      return (async () => runLoop(config, parseOptions(agentLoopRunSchema, input, CALLER)))();
    },
  };
}
