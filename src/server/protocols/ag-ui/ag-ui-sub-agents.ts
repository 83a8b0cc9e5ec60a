import type { ToolCallCompleteEvent } from '../../../core/events.js';
import type { AgUiEvent } from './ag-ui-events.js';

/** The tool that runs a sub-agent; its calls also show as `SUBAGENT_*` events. */
export const SUB_AGENT_TOOL = 'run_agent';

/** The `SUBAGENT_STARTED` of a sub-agent call, named after the agent its input asks for. */
export const subAgentStartedOf = (toolCallId: string, input: unknown): AgUiEvent => {
  const agent: unknown =
    typeof input === 'object' && input !== null ? Reflect.get(input, 'agent') : undefined;
  return {
    type: 'SUBAGENT_STARTED',
    subagentRunId: `sub_${toolCallId}`,
    name: typeof agent === 'string' && agent.trim() !== '' ? agent.trim() : 'sub-agent',
    parentToolCallId: toolCallId,
  };
};

/** How a sub-agent call ended: `SUBAGENT_FINISHED` with its result, or `SUBAGENT_ERROR`. */
export const subAgentEndOf = (event: ToolCallCompleteEvent): AgUiEvent => {
  const subagentRunId = `sub_${event.tool_call_id}`;
  return event.error === null
    ? { type: 'SUBAGENT_FINISHED', subagentRunId, outcome: { type: 'success' }, result: event.result }
    : { type: 'SUBAGENT_ERROR', subagentRunId, message: event.error.message, code: event.error.code };
};
