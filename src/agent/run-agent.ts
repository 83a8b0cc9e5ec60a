import { AgentRunner } from './agent-runner.js';
import type { AgentRunnerOptions, RunOptions, RunResult } from './agent-runner-options.js';

/**
 * Everything one run of the agent loop needs: the loop's settings (provider, tools, event log,
 * model, limits, hooks) and this run's input (`messages`, `systemPrompt`, `signal`, `resume`).
 */
export type RunAgentOptions = AgentRunnerOptions & Omit<RunOptions, 'model' | 'maxTurns'>;

/**
 * Runs the agent loop once: streams model turns, runs the tools they call, feeds the results
 * back, and stops on the model's final answer, the turn limit, the budget, a failure or
 * `signal`. Every event goes to `eventLog`, which ends with exactly one terminal event
 * (`stream_complete` or `error`) unless `signal` aborted the run. Bad options reject with
 * `GatewayError('invalid_option')` before anything is sent. When the promise settles, no timer,
 * listener or request of the run is left behind.
 *
 * @example
 * const eventLog = new EventLog();
 * const result = await runAgent({ provider, tools: createToolDispatcher(), eventLog,
 *   sessionId: 'demo', model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
 */
export async function runAgent(options: RunAgentOptions): Promise<RunResult> {
  const { messages, systemPrompt, signal, resume, traceParent, runId, ...settings } = options;
  const runner = new AgentRunner(settings);
  return runner.run({
    messages,
    ...(systemPrompt === undefined ? {} : { systemPrompt }),
    ...(signal === undefined ? {} : { signal }),
    ...(resume === undefined ? {} : { resume }),
    ...(traceParent === undefined ? {} : { traceParent }),
    ...(runId === undefined ? {} : { runId }),
  });
}
