import { toolsFrom } from '../../test/helpers/tools-from.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import type { GatewayEvent } from '../core/events.js';
import type { RemoteToolSource, ToolDefinition } from '../core/tool.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import type { JsonObject } from './state/json-object-file.js';
import { runAutonomous } from './run-autonomous.js';
import type { HeadlessSpec, RunAutonomousOptions } from './run-autonomous-options.js';
import type { RunOutput } from './run-output.js';
import { runOutputExitCode } from './run-output.js';

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'run-autonomous-'));
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const statusTool: ToolDefinition = {
  name: 'read_status',
  description: 'Reads the service status.',
  input_schema: { type: 'object', properties: {} },
};

const base = (
  provider: ReturnType<typeof createScriptedProvider>,
  headless: Partial<HeadlessSpec> = {},
): RunAutonomousOptions => ({
  systemPrompt: 'You are a monitor.',
  provider,
  model: 'scripted-model',
  logger: silentLogger,
  headless: { initialMessage: 'Check the service.', ...headless },
});

const readJson = async (path: string): Promise<JsonObject> =>
  JSON.parse(await readFile(path, 'utf8')) as JsonObject;

const stateUpdate = (json: string): string =>
  `All fine.\n\n## STATE_UPDATE_JSON\n\`\`\`json\n${json}\n\`\`\``;

describe('runAutonomous', () => {
  it('runs the loop with local tools and saves the merged state', async () => {
    await writeFile(
      join(stateDir, 'state.json'),
      JSON.stringify({ runs: 1, note: 'kept', error: 'old failure' }),
    );
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn('read_status', {}, { usage: { inputTokens: 50, outputTokens: 10 } }),
        textTurn(stateUpdate('{"runs": 2, "alerts": ["cpu high", ""]}'), {
          usage: { inputTokens: 60, outputTokens: 20 },
        }),
      ],
    });
    const calls: unknown[] = [];
    const output = await runAutonomous({
      ...base(provider, { stateDir }),
      tools: toolsFrom(
        {
          read_status: (input) => {
            calls.push(input);
            return { status: 'degraded' };
          },
        },
        [statusTool],
      ),
    });

    provider.assertAllConsumed();
    expect(calls).toEqual([{}]);
    expect(output.toolsUsed).toEqual(['read_status']);
    expect(output.error).toBeNull();
    expect(output.usage).toMatchObject({ inputTokens: 110, outputTokens: 30 });
    expect(runOutputExitCode(output)).toBe(0);
    expect(provider.requests[0]?.system).toBe('You are a monitor.');
    expect(provider.requests[0]?.tools.map((tool) => tool.name)).toEqual(['read_status']);

    const state = await readJson(join(stateDir, 'state.json'));
    expect(state).toMatchObject({
      runs: 2,
      note: 'kept',
      alerts: ['cpu high'],
      model: 'scripted-model',
      tools_used: ['read_status'],
      timed_out: false,
      last_summary: output.response,
    });
    expect(state).not.toHaveProperty('error');
  });

  it('builds the state for delivery even without a state dir, under a custom file name otherwise', async () => {
    const delivered: Array<[RunOutput, JsonObject | null]> = [];
    const provider = createScriptedProvider({ turns: [textTurn(stateUpdate('{"k": 1}'))] });
    await runAutonomous({
      ...base(provider, {
        delivery: {
          onComplete: (output, state) => void delivered.push([output, state]),
          telegram: { briefingFile: 'b.md' },
        },
      }),
    });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.[1]).toMatchObject({ k: 1, briefing_file: 'b.md', model: 'scripted-model' });

    const second = createScriptedProvider({ turns: [textTurn('ok')] });
    await runAutonomous(base(second, { stateDir, stateFile: 'custom.json' }));
    expect(await readJson(join(stateDir, 'custom.json'))).toMatchObject({ last_summary: 'ok' });
  });

  it('reports the turn limit with exit code 3 and its notice in the response', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('read_status', {}), toolCallTurn('read_status', {})],
    });
    const output = await runAutonomous({
      ...base(provider),
      tools: toolsFrom({ read_status: () => ({ ok: true }) }, [statusTool]),
      maxTurns: 2,
    });
    expect(output.maxTurnsReached).toBe(true);
    expect(output.response).toContain('[Max turns reached]');
    expect(output.toolsUsed).toEqual(['read_status', 'read_status']);
    expect(runOutputExitCode(output)).toBe(3);
  });

  it('reports an exceeded budget with exit code 2', async () => {
    const provider = createScriptedProvider({
      turns: [textTurn('expensive', { usage: { inputTokens: 1_000_000, outputTokens: 0 } })],
    });
    const output = await runAutonomous({ ...base(provider), maxBudgetUsd: 0.5 });
    expect(output.budgetExceeded).toBe(true);
    expect(runOutputExitCode(output)).toBe(2);
  });

  it('reports a provider failure as error with exit code 1 and records it in the state', async () => {
    const provider = createScriptedProvider({ turns: [httpErrorTurn(400, { message: 'bad request' })] });
    const output = await runAutonomous(base(provider, { stateDir }));
    expect(output.error).toContain('bad request');
    expect(runOutputExitCode(output)).toBe(1);
    expect(await readJson(join(stateDir, 'state.json'))).toMatchObject({ error: output.error });
  });

  it('falls back to the next model when the first is overloaded, and says which one answered', async () => {
    const provider = createScriptedProvider({ name: 'anthropic', turns: [httpErrorTurn(529)] });
    const backup = createScriptedProvider({ name: 'openai', turns: [textTurn('Checked by the backup.')] });
    const events: GatewayEvent[] = [];
    const output = await runAutonomous({
      ...base(provider),
      fallback: [{ provider: backup, model: 'backup-model' }],
      hooks: { onEvent: (event) => void events.push(event) },
    });
    expect(output.error).toBeNull();
    expect(output.response).toBe('Checked by the backup.');
    expect(events.filter((event) => event.type === 'model_fallback')).toEqual([
      { type: 'model_fallback', from: 'scripted-model', to: 'backup-model', reason: 'overloaded' },
    ]);
    provider.assertAllConsumed();
    backup.assertAllConsumed();
  });

  it('times out a stalled run with exit code 124, keeping the text so far and aborting the request', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'Starting the check now' }], stallAfterEvents: 3 }],
    });
    const output = await runAutonomous(base(provider, { timeoutMs: 200, stateDir }));
    expect(output.timedOut).toBe(true);
    expect(output.response).toBe('Starting the');
    expect(runOutputExitCode(output)).toBe(124);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(await readJson(join(stateDir, 'state.json'))).toMatchObject({ timed_out: true });
  });

  it('rejects with aborted when the caller cancels, without saving state', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'working on it' }], stallAfterEvents: 2 }],
    });
    const controller = new AbortController();
    const events: GatewayEvent[] = [];
    const run = runAutonomous({
      ...base(provider, { stateDir, signal: controller.signal }),
      hooks: {
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'text_delta') controller.abort();
        },
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'aborted' });
    await expect(readFile(join(stateDir, 'state.json'))).rejects.toThrow();
  });

  it('passes every event to onEvent with the default session id', async () => {
    const seen: Array<[string, string]> = [];
    const provider = createScriptedProvider({ turns: [textTurn('hello')] });
    await runAutonomous({
      ...base(provider),
      hooks: {
        onEvent: (event, sessionId) => {
          seen.push([event.type, sessionId]);
          return Promise.reject(new Error('observer failures are ignored'));
        },
      },
    });
    expect(seen.map(([type]) => type)).toEqual(['text_delta', 'stream_complete']);
    expect(seen[0]?.[1]).toMatch(/^autonomous-[0-9a-f]{16}$/);
  });

  it('refuses tools that need approval, since nobody can approve a headless run', async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('read_status', {}), textTurn('done')] });
    let executed = false;
    await runAutonomous({
      ...base(provider),
      tools: toolsFrom({ read_status: () => (executed = true) }, [statusTool]),
      needsApproval: () => true,
    });
    expect(executed).toBe(false);
    expect(JSON.stringify(provider.requests[1]?.messages.at(-1))).toContain('approval_required');
  });

  it('hides excluded tools from the model', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('ok')] });
    await runAutonomous({
      ...base(provider, { excludedTools: ['read_status'] }),
      tools: toolsFrom({ read_status: () => ({}) }, [statusTool]),
    });
    expect(provider.requests[0]?.tools).toEqual([]);
  });

  it('uses a remote tool source and records its servers in the state', async () => {
    const remote: RemoteToolSource = {
      getToolDefinitions: () => [{ ...statusTool, name: 'fs_read' }],
      hasTool: (name) => name === 'fs_read',
      getServerForTool: (name) => (name === 'fs_read' ? 'filesystem' : null),
      callTool: () => Promise.resolve({ ok: true, result: { text: 'file body' }, server: 'filesystem' }),
    };
    const provider = createScriptedProvider({ turns: [toolCallTurn('fs_read', {}), textTurn('read it')] });
    const output = await runAutonomous(base(provider, { remote, stateDir }));
    expect(output.toolsUsed).toEqual(['fs_read']);
    expect(await readJson(join(stateDir, 'state.json'))).toMatchObject({
      connected_servers: ['filesystem'],
      active_servers: ['filesystem'],
    });
  });

  it('reports the compactions of its context in the output, the JSON and the summary', async () => {
    const provider = createScriptedProvider({
      name: 'openai',
      turns: [
        toolCallTurn('read_status', {}, { id: 'c1', usage: { inputTokens: 400, outputTokens: 5 } }),
        toolCallTurn('read_status', {}, { id: 'c2', usage: { inputTokens: 2_000, outputTokens: 5 } }),
        textTurn('The service was checked twice.', { usage: { inputTokens: 300, outputTokens: 30 } }),
        textTurn('All fine.', { usage: { inputTokens: 200, outputTokens: 3 } }),
      ],
    });
    const output = await runAutonomous({
      ...base(provider, { stateDir }),
      compaction: { trigger: 1_000 },
      tools: toolsFrom({ read_status: () => ({ ok: true }) }, [statusTool]),
    });
    expect(output.error).toBeNull();
    expect(output.response).toBe('All fine.');
    expect(output.compactions).toEqual([{ chars: 'The service was checked twice.'.length }]);
    // The summary call's tokens count toward the run's usage.
    expect(output.usage.inputTokens).toBe(400 + 2_000 + 300 + 200);
    expect(provider.requests[3]?.messages[0]?.content).toContain('The service was checked twice.');
  });

  it('validates options before calling the model', async () => {
    const provider = createScriptedProvider({ turns: [] });
    await expect(runAutonomous(base(provider, { initialMessage: ' ' }))).rejects.toThrow(/initialMessage/);
    await expect(runAutonomous({ ...base(provider), maxTurn: 3 } as never)).rejects.toThrow(
      /unknown option 'maxTurn' — did you mean 'maxTurns'\?/,
    );
    await expect(
      runAutonomous({ ...base(provider), compaction: { instructions: 'x' } } as never),
    ).rejects.toThrow(/^runAutonomous: compaction\.trigger: /);
    await expect(runAutonomous(base(provider, { timeoutMs: 0 }))).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(runAutonomous(base(provider, { delivery: { webhook: { url: 'nope' } } }))).rejects.toThrow(
      /webhook\.url/,
    );
    await expect(
      runAutonomous(base(provider, { delivery: { webhookUrl: 'nope' } } as never)),
    ).rejects.toThrow(
      "option 'headless.delivery.webhookUrl' was replaced: use 'headless.delivery.webhook.url'",
    );
    await expect(
      runAutonomous({ ...base(provider), tools: [{ definition: statusTool } as never] }),
    ).rejects.toThrow(/tools.0: must be made with tool\(\)/);
    expect(provider.requests).toEqual([]);
  });

  it('shows the one-object shape when called with anything but an object', async () => {
    const call = runAutonomous as unknown as (prompt: string) => Promise<unknown>;
    await expect(call('Check the service.')).rejects.toThrow(
      "runAutonomous: takes one options object, got a string: runAutonomous({ systemPrompt: 'You are…', tools: [...], headless: { initialMessage: '...', timeoutMs: 600000 } })",
    );
  });
});
