import type { ToolUseBlock } from '../core/messages.js';
import { executeToolCall, type ExecutedToolCall, type ToolCallSettings } from './execute-tool-call.js';

/** The tool that starts a sub-agent; consecutive calls of it run concurrently. */
const subAgentTool = 'run_agent';

/** How the tool calls of one assistant turn ended. */
export interface ExecutedToolCalls {
  /** Finished calls, in the order the model requested them. */
  executed: ExecutedToolCall[];
  /** The run's signal aborted: later calls were not started and the run must stop. */
  aborted: boolean;
}

/**
 * Runs the tool calls of one assistant turn: sequentially in the model's order, except that a
 * run of consecutive `run_agent` calls executes concurrently (at most
 * `maxConcurrentSubAgents` at once when set). Sub-agent calls get `call_index` 0, 1, 2… in
 * turn order; every other call gets 0. Tools are sequential by default because a model's
 * later call often depends on the side effects of an earlier one.
 */
export async function executeToolCalls(
  calls: readonly ToolUseBlock[],
  settings: ToolCallSettings & {
    maxConcurrentSubAgents: number | undefined;
    /** Told about each call as soon as it finished (checkpoints record it). */
    onExecuted?: (executed: ExecutedToolCall) => void;
    /**
     * `call_index` of sub-agent calls by tool call id, when `calls` is part of a larger turn
     * (the calls a takeover finishes): they keep the indexes they were announced with.
     */
    callIndexes?: ReadonlyMap<string, number>;
  },
): Promise<ExecutedToolCalls> {
  const finish = (executed: ExecutedToolCall): ExecutedToolCall => {
    settings.onExecuted?.(executed);
    return executed;
  };
  const executed: ExecutedToolCall[] = [];
  let subAgentIndex = 0;
  let position = 0;
  while (position < calls.length) {
    if (settings.signal.aborted) return { executed, aborted: true };
    const call = calls[position];
    if (call === undefined) break;
    if (call.name !== subAgentTool) {
      executed.push(finish(await executeToolCall(call, 0, settings)));
      position += 1;
      continue;
    }
    const tasks: Array<() => Promise<ExecutedToolCall>> = [];
    for (let group = calls[position]; group?.name === subAgentTool; group = calls[position]) {
      const groupCall = group;
      const callIndex = settings.callIndexes?.get(groupCall.id) ?? subAgentIndex;
      tasks.push(async () => finish(await executeToolCall(groupCall, callIndex, settings)));
      subAgentIndex += 1;
      position += 1;
    }
    executed.push(...(await runWithLimit(tasks, settings.maxConcurrentSubAgents ?? tasks.length)));
  }
  return { executed, aborted: settings.signal.aborted };
}

/** Runs tasks with at most `limit` in flight; results keep the tasks' order. */
async function runWithLimit<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < tasks.length; index = next++) {
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}
