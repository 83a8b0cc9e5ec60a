import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../core/tool.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn } from '../../testing/scripted-turn.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { pairTools } from '../pair-tools.js';
import {
  createGate,
  createGatedProvider,
  createTemporaryDirectory,
  SKILL_FILES,
  toolContext,
  toolkitOptions,
  type TemporaryDirectory,
} from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit, type SubAgentToolkit } from './create-sub-agent-toolkit.js';
import type { SubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

/** The error a handler call rejects with, as `{ code, message }`. */
const refusal = async (work: unknown): Promise<{ code: string; message: string }> => {
  const thrown: unknown = await Promise.resolve(work).then(
    () => new Error('expected the call to be refused'),
    (error: unknown) => error,
  );
  if (!(thrown instanceof ToolError)) throw thrown instanceof Error ? thrown : new Error(String(thrown));
  return { code: thrown.code, message: thrown.message };
};

describe('run_agent and get_background_result refusals (in the order of §8)', () => {
  let skills: TemporaryDirectory;
  let toolkit: SubAgentToolkit | undefined;

  beforeEach(async () => {
    skills = await createTemporaryDirectory({
      ...SKILL_FILES,
      'broken.md': '---\nmax_turns: [1]\n---\nBody',
      'cheap.md': '---\nmodel: claude-haiku-4-5\n---\nYou are cheap.',
    });
  });

  afterEach(async () => {
    await toolkit?.close({ cancel: true });
    toolkit = undefined;
    await skills.remove();
  });

  const build = async (overrides: Partial<SubAgentToolkitOptions> = {}): Promise<SubAgentToolkit> => {
    toolkit = await createSubAgentToolkit(
      toolkitOptions(createScriptedProvider(), {
        skillsDir: skills.path,
        allowedModels: ['claude-sonnet-4-6'],
        ...overrides,
      }),
    );
    return toolkit;
  };
  const runAgent = async (input: Record<string, unknown>, overrides: Partial<SubAgentToolkitOptions> = {}) =>
    refusal((await build(overrides)).handlers.run_agent(input, toolContext()));

  it('refuses every call once the parent run has ended', async () => {
    const built = await build();
    await built.close();
    expect(await refusal(built.handlers.run_agent({ task: 'x' }, toolContext()))).toMatchObject({
      code: 'internal_error',
      message: expect.stringMatching(/^Sub-agent runner not initialized/) as unknown,
    });
  });

  it('checks the task first', async () => {
    for (const task of [undefined, 42, '   ']) {
      expect(await runAgent({ task, agent: 7, model: 8, background: 'yes' })).toEqual({
        code: 'invalid_input',
        message: 'task is required',
      });
    }
  });

  it('then the agent, the model and background, in that order', async () => {
    expect(await runAgent({ task: 't', agent: 7, model: 8, background: 'yes' })).toEqual({
      code: 'invalid_input',
      message: 'agent must be a string',
    });
    expect(await runAgent({ task: 't', agent: 'researcher', model: 8, background: 'yes' })).toEqual({
      code: 'invalid_input',
      message: 'model must be a string',
    });
    expect(await runAgent({ task: 't', model: 'gpt-x', background: 'yes' })).toEqual({
      code: 'invalid_input',
      message: 'background must be a boolean',
    });
  });

  it('then an explicit model that is not allowed, before looking at the agent', async () => {
    expect(await runAgent({ task: 't', agent: 'nobody', model: 'gpt-x' })).toEqual({
      code: 'invalid_input',
      message: 'Invalid model: gpt-x',
    });
  });

  it('refuses a named agent when no skills are configured', async () => {
    expect(await runAgent({ task: 't', agent: 'researcher' }, { skillsDir: undefined })).toEqual({
      code: 'not_available',
      message: 'Named agents not available',
    });
  });

  it('reports an unknown skill with the available ones', async () => {
    expect(await runAgent({ task: 't', agent: 'writer' })).toEqual({
      code: 'not_found',
      message: "Skill 'writer' not found. Available: broken, cheap, researcher, summarizer",
    });
  });

  it('refuses agent names that leave the skills directory', async () => {
    for (const agent of ['../x', '/etc/passwd']) {
      expect(await runAgent({ task: 't', agent })).toMatchObject({ code: 'invalid_skill' });
    }
  });

  it('reports malformed front matter as invalid_skill', async () => {
    expect(await runAgent({ task: 't', agent: 'broken' })).toMatchObject({
      code: 'invalid_skill',
      message: expect.stringMatching(/max_turns/) as unknown,
    });
  });

  it('refuses a skill whose own model is not allowed, naming the skill', async () => {
    expect(await runAgent({ task: 't', agent: 'cheap' })).toEqual({
      code: 'invalid_input',
      message: "Invalid model 'claude-haiku-4-5' for skill 'cheap'",
    });
  });

  it('refuses a background launch beyond the limit of running tasks', async () => {
    const gate = createGate();
    const provider = createGatedProvider(
      createScriptedProvider({ turns: [textTurn('done')] }),
      () => gate.promise,
    );
    const built = await build({ provider, maxConcurrentBackground: 1 });
    expect(await built.handlers.run_agent({ task: 'a', background: true }, toolContext())).toEqual({
      task_id: 'bg_0',
      status: 'running',
    });
    expect(
      await refusal(built.handlers.run_agent({ task: 'b', background: true }, toolContext())),
    ).toMatchObject({
      code: 'max_background_tasks',
    });
    gate.open();
  });

  it('reports a stale output file that cannot be deleted as file_cleanup_failed', async () => {
    const outputs = await createTemporaryDirectory();
    try {
      // A directory where today's file would be cannot be removed as a file.
      await mkdir(join(outputs.path, 'summarizer', '2026-03-14.md'), { recursive: true });
      expect(
        await runAgent({ task: 't', agent: 'summarizer', background: true }, { outputsDir: outputs.path }),
      ).toMatchObject({ code: 'file_cleanup_failed' });
    } finally {
      await outputs.remove();
    }
  });

  it('checks get_background_result input, then the task id', async () => {
    const built = await build();
    const get = (input: Record<string, unknown>) =>
      refusal(built.handlers.get_background_result(input, toolContext()));
    expect(await get({ wait: 'no' })).toEqual({ code: 'invalid_input', message: 'task_id is required' });
    expect(await get({ task_id: 'bg_0', wait: 'no' })).toEqual({
      code: 'invalid_input',
      message: 'wait must be a boolean',
    });
    expect(await get({ task_id: 'bg_0', timeout: '5' })).toEqual({
      code: 'invalid_input',
      message: 'timeout must be a number',
    });
    expect(await get({ task_id: 'bg_9' })).toEqual({
      code: 'not_found',
      message: 'Unknown background task: bg_9',
    });
  });

  it('reaches the model as an error payload through the dispatcher', async () => {
    const built = await build();
    const dispatcher = createToolDispatcher({ tools: pairTools(built.handlers, built.definitions) });
    const outcome = await dispatcher.dispatch(
      { id: 'toolu_1', name: 'run_agent', input: { agent: 'researcher' }, callIndex: 0 },
      { sessionId: 's', signal: new AbortController().signal, emit: () => {} },
    );
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'task is required' },
      server: null,
    });
  });
});
