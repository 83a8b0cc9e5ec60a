import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScriptedProvider, type ScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn } from '../../testing/scripted-turn.js';
import {
  createTemporaryDirectory,
  SKILL_FILES,
  toolContext,
  toolkitOptions,
  type TemporaryDirectory,
} from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit } from './create-sub-agent-toolkit.js';
import { SUB_AGENT_INSTRUCTIONS } from './sub-agent-system-prompt.js';
import type { SubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

describe('run_agent: prompts, models and tools of a sub-agent', () => {
  let skills: TemporaryDirectory;

  beforeEach(async () => {
    skills = await createTemporaryDirectory({
      ...SKILL_FILES,
      'deep.md': '---\nmodel: claude-opus-4-6\n---\nYou dig deep.',
    });
  });

  afterEach(async () => {
    await skills.remove();
  });

  /** Runs one foreground sub-agent that answers "done" and returns the request it sent. */
  const runOnce = async (input: Record<string, unknown>, overrides: Partial<SubAgentToolkitOptions> = {}) => {
    const provider: ScriptedProvider = createScriptedProvider({ turns: [textTurn('done')] });
    const toolkit = await createSubAgentToolkit(
      toolkitOptions(provider, { skillsDir: skills.path, ...overrides }),
    );
    const result = await toolkit.handlers.run_agent(input, toolContext());
    await toolkit.close();
    provider.assertAllConsumed();
    const [request] = provider.requests;
    if (request === undefined) throw new Error('the sub-agent sent no request');
    return { request, result };
  };

  it("gives a named agent its skill prompt, today's date and the sub-agent instructions", async () => {
    const { request } = await runOnce({ agent: 'researcher', task: 'Find the boiling point of water.' });
    expect(request.system).toBe(
      `You research facts carefully.\n\nToday's date: 2026-03-14.\n\n${SUB_AGENT_INSTRUCTIONS}`,
    );
    expect(request.messages).toEqual([{ role: 'user', content: 'Find the boiling point of water.' }]);
  });

  it('gives an anonymous agent the instructions and the date only', async () => {
    const { request } = await runOnce({ task: 'Say hi.', agent: '  ' });
    expect(request.system).toBe(`${SUB_AGENT_INSTRUCTIONS}\n\nToday's date: 2026-03-14.`);
  });

  it('uses the default model, 32 000 output tokens and the parent tools minus the sub-agent tools', async () => {
    const { request } = await runOnce({ task: 'Say hi.' });
    expect(request.model).toBe('scripted-model');
    expect(request.maxTokens).toBe(32_000);
    expect(request.tools.map((tool) => tool.name)).toEqual(['echo']);
  });

  it("uses the skill's model when no model is given", async () => {
    const { request } = await runOnce({ agent: 'deep', task: 't' });
    expect(request.model).toBe('claude-opus-4-6');
  });

  it("prefers an explicit model to the skill's", async () => {
    const { request } = await runOnce({ agent: 'deep', task: 't', model: 'claude-sonnet-4-6' });
    expect(request.model).toBe('claude-sonnet-4-6');
  });

  it('accepts any model when the allow-list is empty', async () => {
    const { request } = await runOnce({ task: 't', model: 'my-local-llama' }, { allowedModels: [] });
    expect(request.model).toBe('my-local-llama');
  });

  it('allows the two default models and the default model when no allow-list is given', async () => {
    const defaults = { allowedModels: undefined };
    const explicit = await runOnce({ task: 't', model: 'claude-opus-4-6' }, defaults);
    expect(explicit.request.model).toBe('claude-opus-4-6');
    const fallback = await runOnce({ task: 't' }, defaults);
    expect(fallback.request.model).toBe('scripted-model');
    const toolkit = await createSubAgentToolkit(toolkitOptions(createScriptedProvider(), defaults));
    await expect(toolkit.handlers.run_agent({ task: 't', model: 'gpt-4o' }, toolContext())).rejects.toThrow(
      'Invalid model: gpt-4o',
    );
  });

  it('hides excluded tools as well', async () => {
    const { request } = await runOnce({ task: 't' }, { excludedTools: ['echo'] });
    expect(request.tools).toEqual([]);
  });

  it('describes the available agents and models in the run_agent definition', async () => {
    const toolkit = await createSubAgentToolkit(
      toolkitOptions(createScriptedProvider(), {
        skillsDir: skills.path,
        allowedModels: ['claude-sonnet-4-6'],
      }),
    );
    const [runAgent, getBackgroundResult] = toolkit.definitions;
    expect(runAgent?.name).toBe('run_agent');
    expect(runAgent?.description).toMatch(/Available agents: deep, researcher, summarizer\.$/);
    expect(runAgent?.input_schema).toMatchObject({
      required: ['task'],
      properties: {
        agent: {
          type: 'string',
          description: expect.stringMatching(/One of: deep, researcher, summarizer\.$/) as unknown,
        },
        background: { type: 'boolean', default: false },
      },
    });
    expect(getBackgroundResult).toMatchObject({
      name: 'get_background_result',
      input_schema: {
        required: ['task_id'],
        properties: { wait: { default: false }, timeout: { type: 'number', default: 60 } },
      },
    });
    await toolkit.close();
  });

  it('lists no agents when there are no skills', async () => {
    const toolkit = await createSubAgentToolkit(toolkitOptions(createScriptedProvider()));
    expect(toolkit.definitions[0]?.description).not.toMatch(/Available agents/);
    await toolkit.close();
  });
});
