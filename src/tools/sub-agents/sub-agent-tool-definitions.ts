import type { ToolDefinition } from '../../core/tool.js';

/** Name of the tool that starts a sub-agent. */
export const RUN_AGENT_TOOL = 'run_agent';
/** Name of the tool that reads background sub-agents. */
export const GET_BACKGROUND_RESULT_TOOL = 'get_background_result';
/** The two sub-agent tools; a sub-agent never gets them (delegation is one level deep). */
export const SUB_AGENT_TOOL_NAMES: ReadonlySet<string> = new Set([
  RUN_AGENT_TOOL,
  GET_BACKGROUND_RESULT_TOOL,
]);

/**
 * The `run_agent` definition. When skills exist, the description and the `agent` property list
 * them, so the model can pick one without a discovery call; likewise the allowed models.
 */
export function createRunAgentToolDefinition(
  options: { skills?: readonly string[]; allowedModels?: readonly string[] } = {},
): ToolDefinition {
  const skills = options.skills ?? [];
  const allowedModels = options.allowedModels ?? [];
  const agentList = skills.join(', ');
  return {
    name: RUN_AGENT_TOOL,
    description:
      'Start an independent sub-agent on a self-contained task and get back its final report ' +
      '({ response, tools_used, usage, warning? }). The sub-agent has your tools except run_agent and ' +
      'get_background_result, does not see this conversation, and cannot start sub-agents of its own. ' +
      'Several run_agent calls in the same turn run in parallel. With background: true the call returns ' +
      'a task id at once; read the result later with get_background_result.' +
      (skills.length > 0 ? ` Available agents: ${agentList}.` : ''),
    input_schema: {
      type: 'object',
      properties: {
        agent: {
          type: 'string',
          description:
            'Name of a predefined agent to run; omit for a general-purpose sub-agent.' +
            (skills.length > 0 ? ` One of: ${agentList}.` : ''),
        },
        task: {
          type: 'string',
          description: 'The task, with every piece of context the sub-agent needs to do it alone.',
        },
        model: {
          type: 'string',
          description:
            "Model for the sub-agent (default: the agent's own model, else the default model)." +
            (allowedModels.length > 0 ? ` One of: ${allowedModels.join(', ')}.` : ''),
        },
        background: {
          type: 'boolean',
          default: false,
          description: 'Return a task id immediately and keep the sub-agent running.',
        },
      },
      required: ['task'],
    },
  };
}

/** The `get_background_result` definition. */
export function createGetBackgroundResultToolDefinition(): ToolDefinition {
  return {
    name: GET_BACKGROUND_RESULT_TOOL,
    description:
      'Check on sub-agents started with run_agent(background: true): status (running, completed, error), ' +
      'elapsed_seconds and, once finished, the result. Use task_id "*" for every task.',
    input_schema: {
      type: 'object',
      properties: {
        task_id: { type: 'string', description: 'A task id such as bg_0, or "*" for all tasks.' },
        wait: {
          type: 'boolean',
          default: false,
          description: 'Wait for the task(s) to finish, up to timeout seconds.',
        },
        timeout: {
          type: 'number',
          default: 60,
          description: 'Seconds to wait when wait is true (at most 120).',
        },
      },
      required: ['task_id'],
    },
  };
}
