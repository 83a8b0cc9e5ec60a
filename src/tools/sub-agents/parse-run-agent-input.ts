import { ToolError } from '../../core/tool.js';

/** A validated `run_agent` call. */
export interface RunAgentRequest {
  task: string;
  /** The named agent (skill), trimmed; undefined for an anonymous sub-agent. */
  agent: string | undefined;
  /** The explicitly requested model, trimmed; undefined when none was given. */
  model: string | undefined;
  background: boolean;
}

const invalidInput = (message: string): ToolError => new ToolError('invalid_input', message);

/** A trimmed optional string: undefined when absent, null or blank. */
function optionalString(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidInput(`${key} must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Checks the model's `run_agent` input in a fixed order (task, agent, model, background)
 * and throws the first problem as `ToolError('invalid_input')`, so the model can fix its call.
 * A blank `agent` means an anonymous sub-agent; a blank `model` means no explicit model.
 */
export function parseRunAgentInput(input: Record<string, unknown>): RunAgentRequest {
  const { task, background } = input;
  if (typeof task !== 'string' || task.trim() === '') throw invalidInput('task is required');
  const agent = optionalString(input, 'agent');
  const model = optionalString(input, 'model');
  if (background !== undefined && background !== null && typeof background !== 'boolean') {
    throw invalidInput('background must be a boolean');
  }
  return { task, agent, model, background: background === true };
}
