import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../core/provider.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn } from '../../testing/scripted-turn.js';
import {
  createGate,
  createGatedProvider,
  createTemporaryDirectory,
  SKILL_FILES,
  toolContext,
  toolkitOptions,
} from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit } from './create-sub-agent-toolkit.js';
import type { SubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

/** A toolkit whose sub-agents answer from `turns`, each held at its own gate until opened. */
async function gatedToolkit(texts: string[], overrides: Partial<SubAgentToolkitOptions> = {}) {
  const scripted = createScriptedProvider({ turns: texts.map((text) => textTurn(text)) });
  const gates = texts.map(() => createGate());
  const signals: AbortSignal[] = [];
  let calls = 0;
  const provider = createGatedProvider(scripted, (_request: ProviderRequest, signal) => {
    signals.push(signal);
    return gates[calls++]?.promise;
  });
  const toolkit = await createSubAgentToolkit(toolkitOptions(provider, overrides));
  const launch = (input: Record<string, unknown>) =>
    toolkit.handlers.run_agent({ background: true, ...input }, toolContext()) as Promise<
      Record<string, unknown>
    >;
  const get = (input: Record<string, unknown>) =>
    toolkit.handlers.get_background_result(input, toolContext()) as Promise<Record<string, unknown>>;
  return { toolkit, gates, signals, launch, get, scripted };
}

describe('background sub-agents', () => {
  it('launches, reports running, waits and reports the result', async () => {
    const { toolkit, gates, launch, get } = await gatedToolkit(['Background report.']);
    expect(await launch({ task: 'research quietly' })).toEqual({ task_id: 'bg_0', status: 'running' });

    expect(await get({ task_id: 'bg_0' })).toEqual({
      task_id: 'bg_0',
      status: 'running',
      elapsed_seconds: expect.any(Number) as unknown,
    });
    gates[0]?.open();
    const finished = await get({ task_id: 'bg_0', wait: true, timeout: 30 });
    expect(finished).toMatchObject({
      task_id: 'bg_0',
      status: 'completed',
      response: 'Background report.',
      tools_used: [],
      usage: { input_tokens: 0 },
    });
    expect(finished.elapsed_seconds).toEqual(expect.any(Number));
    await toolkit.close();
  });

  it('returns a running task when the wait times out', async () => {
    const { toolkit, launch, get } = await gatedToolkit(['late']);
    await launch({ task: 't' });
    expect(await get({ task_id: 'bg_0', wait: true, timeout: 0.01 })).toMatchObject({ status: 'running' });
    await toolkit.close({ cancel: true });
  });

  it('reports every task for "*", in the order they started, with their agent names', async () => {
    const skills = await createTemporaryDirectory(SKILL_FILES);
    try {
      const { toolkit, gates, launch, get } = await gatedToolkit(['one', 'two'], { skillsDir: skills.path });
      expect(await launch({ task: 'a', agent: 'summarizer' })).toEqual({
        task_id: 'bg_0',
        status: 'running',
        agent: 'summarizer',
      });
      await launch({ task: 'b' });
      gates[0]?.open();
      const { tasks } = (await get({ task_id: '*', wait: false })) as {
        tasks: Array<Record<string, unknown>>;
      };
      expect(tasks.map((task) => [task.task_id, task.agent])).toEqual([
        ['bg_0', 'summarizer'],
        ['bg_1', undefined],
      ]);
      gates[1]?.open();
      const all = (await get({ task_id: '*', wait: true })) as { tasks: Array<Record<string, unknown>> };
      expect(all.tasks.map((task) => [task.status, task.response])).toEqual([
        ['completed', 'one'],
        ['completed', 'two'],
      ]);
      await toolkit.close();
    } finally {
      await skills.remove();
    }
  });

  it('frees a slot when a task finishes', async () => {
    const { toolkit, gates, launch, get } = await gatedToolkit(['one', 'two'], {
      maxConcurrentBackground: 1,
    });
    await launch({ task: 'a' });
    await expect(launch({ task: 'b' })).rejects.toMatchObject({ code: 'max_background_tasks' });
    gates[0]?.open();
    await get({ task_id: 'bg_0', wait: true });
    expect(await launch({ task: 'b' })).toEqual({ task_id: 'bg_1', status: 'running' });
    gates[1]?.open();
    await toolkit.close();
  });

  it('close({ cancel: false }) waits for running tasks to finish', async () => {
    const { toolkit, gates, launch, get, signals } = await gatedToolkit(['finished in time']);
    await launch({ task: 't' });
    let closed = false;
    const closing = toolkit.close({ cancel: false }).then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    gates[0]?.open();
    await closing;
    expect(await get({ task_id: 'bg_0' })).toMatchObject({
      status: 'completed',
      response: 'finished in time',
    });
    expect(signals[0]?.aborted).toBe(false);
  });

  it('close({ cancel: false }) cancels what is still running after the drain time', async () => {
    const { toolkit, launch, get, signals } = await gatedToolkit(['never'], { backgroundDrainTimeoutMs: 20 });
    await launch({ task: 't' });
    await toolkit.close();
    expect(signals[0]?.aborted).toBe(true);
    expect(await get({ task_id: 'bg_0' })).toMatchObject({ status: 'error', error: 'Task was cancelled' });
  });

  it('close({ cancel: true }) cancels at once, cuts a running drain short and is idempotent', async () => {
    const { toolkit, launch, get, signals } = await gatedToolkit(['never']);
    await launch({ task: 't' });
    const draining = toolkit.close();
    await toolkit.close({ cancel: true });
    await draining;
    await toolkit.close({ cancel: true });
    expect(signals[0]?.aborted).toBe(true);
    expect(await get({ task_id: 'bg_0' })).toMatchObject({ status: 'error', error: 'Task was cancelled' });
    await expect(launch({ task: 'late' })).rejects.toMatchObject({ code: 'internal_error' });
  });

  it("cancels background tasks when the parent run's signal aborts", async () => {
    const parent = new AbortController();
    const { toolkit, launch, get, signals } = await gatedToolkit(['never'], { signal: parent.signal });
    await launch({ task: 't' });
    parent.abort();
    expect(await get({ task_id: 'bg_0', wait: true })).toMatchObject({
      status: 'error',
      error: 'Task was cancelled',
    });
    expect(signals[0]?.aborted).toBe(true);
    await toolkit.close();
  });

  it('announces running tasks for the system prompt after a compaction', async () => {
    const skills = await createTemporaryDirectory(SKILL_FILES);
    try {
      const { toolkit, gates, launch, get } = await gatedToolkit(['one', 'two'], { skillsDir: skills.path });
      expect(toolkit.backgroundTasksReminder()).toBeUndefined();
      await launch({ task: 'a', agent: 'researcher' });
      await launch({ task: 'b' });
      expect(toolkit.backgroundTasksReminder()).toMatch(
        /^\[Background tasks active: bg_0 \(researcher, running, \d+s\), bg_1 \(anonymous, running, \d+s\)\]$/,
      );
      gates[0]?.open();
      gates[1]?.open();
      await get({ task_id: '*', wait: true });
      expect(toolkit.backgroundTasksReminder()).toBeUndefined();
      await toolkit.close();
    } finally {
      await skills.remove();
    }
  });

  it("deletes a named agent's output file of today before launching it, and nothing else", async () => {
    const skills = await createTemporaryDirectory(SKILL_FILES);
    const outputs = await createTemporaryDirectory({
      'researcher/2026-03-14.md': 'stale report',
      'researcher/2026-03-13.md': "yesterday's report",
    });
    try {
      const { toolkit, gates, launch } = await gatedToolkit(['one', 'two'], {
        skillsDir: skills.path,
        outputsDir: outputs.path,
      });
      await launch({ task: 'anonymous work' });
      expect(await readFile(`${outputs.path}/researcher/2026-03-14.md`, 'utf8')).toBe('stale report');
      await launch({ task: 'a', agent: 'researcher' });
      await expect(readFile(`${outputs.path}/researcher/2026-03-14.md`, 'utf8')).rejects.toThrow(/ENOENT/);
      expect(await readFile(`${outputs.path}/researcher/2026-03-13.md`, 'utf8')).toBe("yesterday's report");
      gates.forEach((gate) => gate.open());
      await toolkit.close();
    } finally {
      await skills.remove();
      await outputs.remove();
    }
  });
});
