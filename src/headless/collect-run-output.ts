import type { LogEntry } from '../core/events.js';
import { toRunOutputUsage, type RunCompaction, type RunOutput } from './run-output.js';

/**
 * Folds a run's event log into its `RunOutput`.
 *
 * A `stream_retry` discards the text and tool names gathered so far: they belong to the failed
 * attempt, which the model never finished. `text_delta`s append (the max-turns and budget
 * notices are text too, so they end up in the response), `tool_call_start` records the tool
 * name, `stream_complete` gives the usage, `compaction` records the summary's length (a retry
 * keeps those: the context was compacted all the same), and the last `error` wins.
 */
export function collectRunOutput(entries: readonly LogEntry[], timedOut: boolean): RunOutput {
  let textParts: string[] = [];
  let toolsUsed: string[] = [];
  let usage: RunOutput['usage'] = {};
  let error: string | null = null;
  let budgetExceeded = false;
  let maxTurnsReached = false;
  const compactions: RunCompaction[] = [];

  for (const { event } of entries) {
    switch (event.type) {
      case 'stream_retry':
        textParts = [];
        toolsUsed = [];
        break;
      case 'text_delta':
        textParts.push(event.text);
        break;
      case 'tool_call_start':
        toolsUsed.push(event.tool_name);
        break;
      case 'stream_complete':
        usage = toRunOutputUsage(event.usage);
        break;
      case 'compaction':
        compactions.push({ chars: event.chars });
        break;
      case 'budget_exceeded':
        budgetExceeded = true;
        break;
      case 'max_turns_reached':
        maxTurnsReached = true;
        break;
      case 'error':
        error = event.error;
        break;
      default:
        break;
    }
  }

  return {
    response: textParts.join('').trim(),
    toolsUsed,
    usage,
    error,
    timedOut,
    budgetExceeded,
    maxTurnsReached,
    compactions,
  };
}
