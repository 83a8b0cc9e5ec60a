import { z } from 'zod';
import { parseOptions } from '../core/parse-options.js';
import {
  runOptionsShape,
  runPartsShape,
  type AgentLoopRunInput,
  type RunOptions,
  type RunResult,
} from './agent-loop-input.js';
import {
  agentLoopSettingsShape,
  RENAMED_LOOP_OPTIONS,
  type AgentLoopSettings,
} from './agent-loop-settings.js';
import { createAgentLoop } from './create-agent-loop.js';

/** Everything `runAgent` takes: the loop's settings and one run's input in one object. */
const runAgentSchema = z
  .strictObject({ ...runOptionsShape, ...runPartsShape, ...agentLoopSettingsShape })
  .refine((options) => options.maxBudgetUsd === undefined || options.costAccumulator === undefined, {
    message: 'give either maxBudgetUsd or costAccumulator (whose budget then applies), not both',
    path: ['costAccumulator'],
  });

/** The loop's settings and the parts of one run besides its conversation, in one object. */
export type AgentRunnerOptions = AgentLoopSettings &
  Omit<AgentLoopRunInput, keyof RunOptions | 'onToolResult'>;

/**
 * Everything one run of the agent loop needs: the loop's settings (provider, tools, event log,
 * model, limits, hooks) and this run's input (`messages`, `systemPrompt`, `signal`, `resume`).
 */
export type RunAgentOptions = AgentRunnerOptions & Omit<RunOptions, 'model' | 'maxTurns'>;

const isSetting = (key: string): boolean => Object.hasOwn(agentLoopSettingsShape, key);

/**
 * Checks `runAgent`'s options as a whole and splits them into the loop's settings and the
 * run's input. Throws `GatewayError('invalid_option')` naming every bad option.
 */
export function splitRunAgentOptions(options: RunAgentOptions): {
  settings: AgentLoopSettings;
  input: AgentLoopRunInput;
} {
  // The parsed values, not the given ones: an iterable option (a generator) is read only once.
  const entries = Object.entries(parseOptions(runAgentSchema, options, 'runAgent', RENAMED_LOOP_OPTIONS));
  return {
    settings: Object.fromEntries(entries.filter(([key]) => isSetting(key))) as AgentLoopSettings,
    input: Object.fromEntries(entries.filter(([key]) => !isSetting(key))) as AgentLoopRunInput,
  };
}

/**
 * Runs the agent loop once: a convenience for `createAgentLoop(settings).run(input)` with both
 * in one object. An app that runs one agent many times makes its loop once with
 * `createAgentLoop` instead (its settings are then checked once). Every event goes to
 * `eventLog`, which ends with exactly one terminal event (`stream_complete` or `error`) unless
 * `signal` aborted the run. Bad options reject with `GatewayError('invalid_option')` before
 * anything is sent. When the promise settles, no timer, listener or request of the run is left
 * behind.
 *
 * @example
 * const eventLog = new EventLog();
 * const result = await runAgent({ provider, tools: createToolDispatcher(), eventLog,
 *   sessionId: 'demo', model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] });
 */
export async function runAgent(options: RunAgentOptions): Promise<RunResult> {
  const { settings, input } = splitRunAgentOptions(options);
  return createAgentLoop(settings).run(input);
}
