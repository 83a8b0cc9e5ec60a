import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.js';
import type { ToolResultBlock } from '../core/messages.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { eventsOfType, succeed, createFakeToolExecutor } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';
import type { RunUsage } from './agent-hooks.js';
import { createAgentLoop } from './create-agent-loop.js';
import { EventLog } from './event-log.js';

const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };
const ask = (text: string) => ({ messages: [{ role: 'user' as const, content: text }] });

describe('agent loop: answers', () => {
  it('streams a text answer and completes with its usage', async () => {
    const provider = createScriptedProvider({
      pricing,
      turns: [textTurn('Hello there!', { usage: { inputTokens: 1000, outputTokens: 100 } })],
    });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run(ask('hi'));

    expect(harness.types()).toEqual(['text_delta', 'text_delta', 'stream_complete']);
    expect(harness.text()).toBe('Hello there!');
    expect(harness.events().at(-1)).toEqual({
      type: 'stream_complete',
      usage: {
        input_tokens: 1000,
        output_tokens: 100,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        estimated_cost: 0.0045,
      },
    });
    expect(result.outcome).toBe('completed');
    expect(result.messages.at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'Hello there!' }],
      provider: 'scripted',
      model: 'scripted-model',
      stop_reason: 'end_turn',
    });
    expect(harness.eventLog.finished).toBe(true);
    provider.assertAllConsumed();
  });

  it('does not mutate the caller’s history', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('ok')] });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const result = await createRunnerHarness(provider).runner.run({ messages });
    expect(messages).toHaveLength(1);
    expect(result.messages).toHaveLength(2);
  });

  it('streams thinking before the answer and keeps the signed block in history', async () => {
    const provider = createScriptedProvider({
      turns: [
        {
          blocks: [
            { type: 'thinking', text: 'Let me think', signature: 'sig' },
            { type: 'text', text: 'Done' },
          ],
        },
      ],
    });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run(ask('hi'));
    expect(harness.types()).toEqual([
      'thinking_delta',
      'thinking_delta',
      'thinking_delta',
      'text_delta',
      'stream_complete',
    ]);
    expect(eventsOfType(harness.events(), 'thinking_delta').map((event) => event.text)).toEqual([
      'Let ',
      'me ',
      'think',
    ]);
    expect(result.messages.at(-1)?.content).toEqual([
      { type: 'thinking', thinking: 'Let me think', signature: 'sig' },
      { type: 'text', text: 'Done' },
    ]);
    expect(provider.requests[0]?.thinking).toBe('high');
  });

  it('asks for no thinking when disabled, unsupported or when maxTokens is small', async () => {
    const levels: string[] = [];
    for (const [overrides, supportsThinking] of [
      [{ thinking: false }, true],
      [{}, false],
      [{ maxTokens: 1024 }, true],
    ] as const) {
      const provider = createScriptedProvider({ turns: [textTurn('ok')], modelInfo: { supportsThinking } });
      await createRunnerHarness(provider, overrides).runner.run(ask('hi'));
      levels.push(provider.requests[0]?.thinking ?? 'missing');
    }
    expect(levels).toEqual(['none', 'none', 'none']);
  });

  it('sends the system prompt, the model override and the tool definitions minus excluded tools', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('ok')] });
    const definition = (name: string) => ({ name, description: name, input_schema: { type: 'object' } });
    const harness = createRunnerHarness(provider, {
      getToolDefinitions: () => [definition('search'), definition('delete_everything')],
      excludedTools: ['delete_everything'],
      maxTokens: 4096,
    });
    await harness.runner.run({ ...ask('hi'), systemPrompt: 'Be brief.', model: 'other-model' });
    expect(provider.requests[0]).toMatchObject({
      model: 'other-model',
      system: 'Be brief.',
      maxTokens: 4096,
      tools: [definition('search')],
    });
  });

  it('sums usage and cost across turns, cache tokens included', async () => {
    const provider = createScriptedProvider({
      pricing,
      turns: [
        toolCallTurn(
          'lookup',
          {},
          { usage: { inputTokens: 1000, outputTokens: 50, cacheCreationTokens: 2000 } },
        ),
        textTurn('done', { usage: { inputTokens: 200, outputTokens: 30, cacheReadTokens: 2000 } }),
      ],
    });
    const usagePayloads: RunUsage[] = [];
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ lookup: () => succeed('x') }),
      onRunUsage: (payload) => void usagePayloads.push(payload),
    });
    const result = await harness.runner.run(ask('hi'));
    // (1200×3 + 80×15 + 2000×0.3 + 2000×3.75) / 1e6 = 0.0129
    const expected = {
      input_tokens: 1200,
      output_tokens: 80,
      cache_creation_input_tokens: 2000,
      cache_read_input_tokens: 2000,
      estimated_cost: 0.0129,
    };
    expect(eventsOfType(harness.events(), 'stream_complete')[0]?.usage).toEqual(expected);
    expect(result.usage).toEqual(expected);
    expect(result.turns).toBe(2);
    expect(usagePayloads).toEqual([
      {
        sessionId: 'sess_test',
        turns: 2,
        inputTokens: 1200,
        outputTokens: 80,
        cacheCreationInputTokens: 2000,
        cacheReadInputTokens: 2000,
        estimatedCost: 0.0129,
      },
    ]);
  });

  it('continues after pause_turn without tool calls', async () => {
    const provider = createScriptedProvider({
      turns: [textTurn('Working…', { stopReason: 'pause_turn' }), textTurn('Finished.')],
    });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run(ask('hi'));
    expect(harness.text()).toBe('Working…Finished.');
    expect(provider.requests).toHaveLength(2);
    expect(provider.requests[1]?.messages.at(-1)).toMatchObject({
      role: 'assistant',
      stop_reason: 'pause_turn',
    });
    expect(result.outcome).toBe('completed');
    provider.assertAllConsumed();
  });

  it('reports a model the provider rejects as an error event and ends', async () => {
    const provider = createScriptedProvider({ models: ['known'] });
    const harness = createRunnerHarness(provider, { model: 'unknown' });
    const result = await harness.runner.run(ask('hi'));
    expect(harness.events()).toEqual([
      { type: 'error', error: "scripted: unknown model 'unknown'", code: 'invalid_model' },
    ]);
    expect(result.outcome).toBe('error');
    provider.assertAllConsumed();
  });
});

describe('agent loop: stub reply', () => {
  it('answers word by word without a credential and completes with empty usage', async () => {
    const provider = createScriptedProvider({ name: 'anthropic', hasCredential: false });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run(ask('What time is it?'));
    expect(harness.text()).toBe(
      'Stub response (no Anthropic credential configured). You asked: What time is it? ',
    );
    expect(eventsOfType(harness.events(), 'text_delta')).toHaveLength(12);
    expect(harness.events().at(-1)).toEqual({ type: 'stream_complete', usage: {} });
    expect(result.outcome).toBe('completed');
    expect(provider.requests).toHaveLength(0);
  });
});

describe('agent loop: hooks and options', () => {
  it('keeps running when every hook throws', async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('lookup', {}), textTurn('done')] });
    const warnings: string[] = [];
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ lookup: () => succeed('x') }),
      onToolResult: () => {
        throw new Error('result hook bug');
      },
      onToolTiming: () => {
        throw new Error('timing hook bug');
      },
      onRunUsage: () => Promise.reject(new Error('usage hook bug')),
      executionLocation: () => {
        throw new Error('location bug');
      },
      logger: { debug() {}, info() {}, warn: (message) => void warnings.push(message), error() {} },
    });
    const result = await harness.runner.run(ask('hi'));
    expect(result.outcome).toBe('completed');
    expect(harness.events().at(-1)?.type).toBe('stream_complete');
    expect(warnings).toEqual(
      expect.arrayContaining([
        'onToolResult hook failed',
        'onToolTiming hook failed',
        'onRunUsage hook failed',
        'executionLocation hook failed',
      ]),
    );
  });

  it('appends blocks returned by onToolResult after the tool results', async () => {
    const provider = createScriptedProvider({
      turns: [
        {
          blocks: [
            { type: 'tool_call', id: 'a', name: 'shot', input: {} },
            { type: 'tool_call', id: 'b', name: 'shot', input: {} },
          ],
        },
        textTurn('seen'),
      ],
    });
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ shot: () => succeed({ saved: true }) }),
      onToolResult: (context) => Promise.resolve([{ type: 'text', text: `note for ${context.toolCallId}` }]),
    });
    await harness.runner.run(ask('hi'));
    const content = provider.requests[1]?.messages.at(-1)?.content;
    expect(Array.isArray(content) && content.map((block) => block.type)).toEqual([
      'tool_result',
      'tool_result',
      'text',
      'text',
    ]);
    expect(Array.isArray(content) && (content[0] as ToolResultBlock).tool_use_id).toBe('a');
    expect(Array.isArray(content) && content[3]).toEqual({ type: 'text', text: 'note for b' });
  });

  it.each([
    ['maxTokens', { maxTokens: 0 }],
    ['maxTurns', { maxTurns: 1.5 }],
    ['maxBudgetUsd', { maxBudgetUsd: 0 }],
    ['toolCallTimeoutMs', { toolCallTimeoutMs: -1 }],
    ['maxConcurrentSubAgents', { maxConcurrentSubAgents: 0 }],
    ['sessionId', { sessionId: '' }],
  ])('rejects an invalid %s at construction', (_name, overrides) => {
    let thrown: unknown;
    try {
      createRunnerHarness(createScriptedProvider(), overrides);
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'invalid_option')).toBe(true);
  });

  it('runs many times, each run with its own event log', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('one'), textTurn('two')] });
    const loop = createAgentLoop({ provider, model: 'm', stubWordDelayMs: 0 });
    const parts = () => ({ tools: createFakeToolExecutor(), eventLog: new EventLog(), sessionId: 's' });
    const first = parts();
    const second = parts();
    await loop.run({ ...first, ...ask('hi') });
    await loop.run({ ...second, ...ask('again') });
    expect(first.eventLog.entries().filter((entry) => entry.event.type === 'stream_complete')).toHaveLength(
      1,
    );
    expect(second.eventLog.entries().filter((entry) => entry.event.type === 'stream_complete')).toHaveLength(
      1,
    );
  });
});
