import { ToolError } from '../../core/tool.js';
import type { RunAgentRequest } from './parse-run-agent-input.js';
import type { SkillProfile } from './parse-skill-file.js';
import { SkillError } from './skill-error.js';
import type { SkillLoader } from './skill-loader.js';
import { buildSubAgentSystemPrompt } from './sub-agent-system-prompt.js';

/** Everything needed to start one sub-agent, decided before it starts. */
export interface SubAgentPlan {
  task: string;
  /** The named agent, or undefined for an anonymous one. */
  agent: string | undefined;
  model: string;
  systemPrompt: string;
  maxTurns: number;
  /** Wall-clock limit of the sub-agent. */
  timeoutMs: number;
}

/** What planning needs from the toolkit. */
export interface PlanSettings {
  defaultModel: string;
  /** Empty: any model. */
  allowedModels: ReadonlySet<string>;
  skillLoader: SkillLoader | undefined;
  defaultMaxTurns: number;
  defaultTimeoutMs: number;
  now: () => Date;
}

const isAllowed = (model: string, allowedModels: ReadonlySet<string>): boolean =>
  allowedModels.size === 0 || allowedModels.has(model);

async function loadSkill(loader: SkillLoader, agent: string): Promise<SkillProfile> {
  try {
    return await loader.load(agent);
  } catch (error) {
    if (error instanceof SkillError) throw new ToolError(error.code, error.message, { cause: error });
    throw new ToolError('invalid_skill', `Could not load skill '${agent}': ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * Turns a validated request into a plan, refusing in a fixed order: an explicit model
 * that is not allowed (`invalid_input`), a named agent without skills (`not_available`), an
 * unknown skill (`not_found`), a malformed one (`invalid_skill`), and a skill whose effective
 * model is not allowed (`invalid_input`). The model is the explicit one, else the skill's,
 * else the default.
 */
export async function planSubAgent(request: RunAgentRequest, settings: PlanSettings): Promise<SubAgentPlan> {
  if (request.model !== undefined && !isAllowed(request.model, settings.allowedModels)) {
    throw new ToolError('invalid_input', `Invalid model: ${request.model}`);
  }
  const today = settings.now();
  if (request.agent === undefined) {
    return {
      task: request.task,
      agent: undefined,
      model: request.model ?? settings.defaultModel,
      systemPrompt: buildSubAgentSystemPrompt({ today }),
      maxTurns: settings.defaultMaxTurns,
      timeoutMs: settings.defaultTimeoutMs,
    };
  }
  if (settings.skillLoader === undefined) throw new ToolError('not_available', 'Named agents not available');
  const skill = await loadSkill(settings.skillLoader, request.agent);
  const model = request.model ?? skill.model ?? settings.defaultModel;
  if (!isAllowed(model, settings.allowedModels)) {
    throw new ToolError('invalid_input', `Invalid model '${model}' for skill '${request.agent}'`);
  }
  return {
    task: request.task,
    agent: request.agent,
    model,
    systemPrompt: buildSubAgentSystemPrompt({ skillPrompt: skill.prompt, today }),
    maxTurns: skill.maxTurns ?? settings.defaultMaxTurns,
    timeoutMs: skill.timeoutMs ?? settings.defaultTimeoutMs,
  };
}
