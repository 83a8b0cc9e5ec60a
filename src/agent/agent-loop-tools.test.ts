import { describe, expect, it } from 'vitest';
import type { ToolResultBlock } from '../core/messages.js';
import type { ToolExecutionEnvironment } from '../core/tool.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import type { ScriptedTurn } from '../testing/scripted-turn.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, fail, succeed } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';
import type { ToolTiming } from './agent-hooks.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }] };

const callsTurn = (
  ...calls: Array<[id: string, name: string, input?: Record<string, unknown>]>
): ScriptedTurn => ({
  blocks: calls.map(([id, name, input]) => ({ type: 'tool_call' as const, id, name, input: input ?? {} })),
});

/** The tool_result blocks the model received in the given request. */
const toolResultsSeen = (requestMessages: readonly { content: unknown }[] | undefined): ToolResultBlock[] => {
  const content = requestMessages?.at(-1)?.content;
  return Array.isArray(content)
    ? content.filter((block): block is ToolResultBlock => (block as ToolResultBlock).type === 'tool_result')
    : [];
};

describe('agent loop: tools', () => {
  it('runs a tool, sends its result to the model and streams the final answer', async () => {
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn('weather', { city: 'Oslo' }, { id: 'call_1', text: 'Checking.' }),
        textTurn('It is cold.'),
      ],
    });
    const timings: ToolTiming[] = [];
    const tools = createFakeToolExecutor({
      weather: (call) => succeed({ city: call.input.city, celsius: -3 }),
    });
    const harness = createRunnerHarness(provider, {
      tools,
      onToolTiming: (timing) => void timings.push(timing),
    });
    const result = await harness.runner.run(ask);

    expect(harness.types()).toEqual([
      'text_delta',
      'tool_call_start',
      'tool_call_complete',
      'text_delta',
      'text_delta',
      'text_delta',
      'stream_complete',
    ]);
    expect(eventsOfType(harness.events(), 'tool_call_start')[0]).toEqual({
      type: 'tool_call_start',
      tool_call_id: 'call_1',
      tool_name: 'weather',
      tool_input: { city: 'Oslo' },
      execution_location: 'backend',
      call_index: 0,
    });
    expect(eventsOfType(harness.events(), 'tool_call_complete')[0]).toMatchObject({
      tool_call_id: 'call_1',
      tool_name: 'weather',
      result: { city: 'Oslo', celsius: -3 },
      error: null,
      server: null,
    });
    expect(tools.calls[0]?.call).toEqual({
      id: 'call_1',
      name: 'weather',
      input: { city: 'Oslo' },
      callIndex: 0,
    });
    expect(tools.calls[0]?.environment.sessionId).toBe('sess_test');

    const secondRequest = provider.requests[1]?.messages;
    expect(secondRequest?.at(-2)).toMatchObject({
      role: 'assistant',
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1' },
      ],
    });
    expect(secondRequest?.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"city":"Oslo","celsius":-3}' }],
    });
    expect(timings).toEqual([
      expect.objectContaining({
        sessionId: 'sess_test',
        toolName: 'weather',
        isError: false,
        resultBytes: 28,
      }),
    ]);
    expect(result.messages).toHaveLength(4);
    provider.assertAllConsumed();
  });

  it('runs two calls of one turn sequentially, in order', async () => {
    const provider = createScriptedProvider({
      turns: [callsTurn(['a', 'first'], ['b', 'second']), textTurn('ok')],
    });
    const order: string[] = [];
    const tools = createFakeToolExecutor({
      first: async () => {
        order.push('first:start');
        await new Promise((resolve) => setImmediate(resolve));
        order.push('first:end');
        return succeed(1);
      },
      second: () => {
        order.push('second:start');
        return succeed(2);
      },
    });
    const harness = createRunnerHarness(provider, { tools });
    await harness.runner.run(ask);
    expect(order).toEqual(['first:start', 'first:end', 'second:start']);
    expect(
      harness
        .events()
        .flatMap((event) => ('tool_call_id' in event ? [`${event.type}:${event.tool_call_id}`] : [])),
    ).toEqual(['tool_call_start:a', 'tool_call_complete:a', 'tool_call_start:b', 'tool_call_complete:b']);
    expect(toolResultsSeen(provider.requests[1]?.messages).map((block) => block.tool_use_id)).toEqual([
      'a',
      'b',
    ]);
  });

  it('lets the model read tool errors and unknown tools, and goes on', async () => {
    const provider = createScriptedProvider({
      turns: [callsTurn(['a', 'broken'], ['b', 'nope']), textTurn('sorry')],
    });
    const tools = createFakeToolExecutor({ broken: () => fail('tool_error', 'disk full') });
    const harness = createRunnerHarness(provider, { tools });
    const result = await harness.runner.run(ask);
    const [broken, unknown] = toolResultsSeen(provider.requests[1]?.messages);
    expect(broken).toEqual({
      type: 'tool_result',
      tool_use_id: 'a',
      content: '{"error":{"code":"tool_error","message":"disk full"}}',
      is_error: true,
    });
    expect(unknown?.is_error).toBe(true);
    expect(JSON.parse(unknown?.content as string)).toEqual({
      error: { code: 'unknown_tool', message: 'Unknown tool: nope' },
    });
    expect(eventsOfType(harness.events(), 'tool_call_complete').map((event) => event.error?.code)).toEqual([
      'tool_error',
      'unknown_tool',
    ]);
    expect(result.outcome).toBe('completed');
  });

  it('turns a throwing executor into an internal_error result', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('explode', {}, { id: 'a' }), textTurn('ok')],
    });
    const tools = createFakeToolExecutor({
      explode: () => {
        throw new Error('executor bug');
      },
    });
    const harness = createRunnerHarness(provider, { tools });
    await harness.runner.run(ask);
    expect(eventsOfType(harness.events(), 'tool_call_complete')[0]).toMatchObject({
      result: null,
      error: { code: 'internal_error', message: 'executor bug' },
    });
    expect(toolResultsSeen(provider.requests[1]?.messages)[0]?.is_error).toBe(true);
  });

  it('marks soft errors and adds policy warnings for the model only', async () => {
    const provider = createScriptedProvider({
      turns: [callsTurn(['a', 'soft'], ['b', 'warned']), textTurn('ok')],
    });
    const tools = createFakeToolExecutor({
      soft: () => succeed({ success: false, reason: 'not found' }),
      warned: () => succeed({ rows: 3 }, { warnings: ['large query', 'slow table'] }),
    });
    const harness = createRunnerHarness(provider, { tools });
    await harness.runner.run(ask);
    const [soft, warned] = toolResultsSeen(provider.requests[1]?.messages);
    expect(soft?.is_error).toBe(true);
    expect(warned?.is_error).toBeUndefined();
    expect(JSON.parse(warned?.content as string)).toEqual({
      rows: 3,
      _runner_warning: 'Policy warning: large query | slow table',
    });
    expect(eventsOfType(harness.events(), 'tool_call_complete')[1]?.result).toEqual({ rows: 3 });
  });

  it('times out a tool that ignores its signal, aborting that signal', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('hang', {}, { id: 'a' }), textTurn('moving on')],
    });
    let toolSignal: AbortSignal | undefined;
    const tools = createFakeToolExecutor({
      hang: (_call, environment) => {
        toolSignal = environment.signal;
        return new Promise(() => {}); // never settles, whatever the signal says
      },
    });
    const harness = createRunnerHarness(provider, { tools, toolCallTimeoutMs: 20 });
    const result = await harness.runner.run(ask);
    expect(toolSignal?.aborted).toBe(true);
    expect(eventsOfType(harness.events(), 'tool_call_complete')[0]?.error).toEqual({
      code: 'tool_timeout',
      sub_code: 'timeout',
      message:
        "Tool 'hang' timed out after 0.02s. The tool call was cancelled. You may retry or skip this tool.",
    });
    expect(result.outcome).toBe('completed');
  });

  it('refuses an excluded tool without dispatching it', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('secret', {}, { id: 'a' }), textTurn('ok')],
    });
    const tools = createFakeToolExecutor({ secret: () => succeed('leaked') });
    const harness = createRunnerHarness(provider, { tools, excludedTools: ['secret'] });
    await harness.runner.run(ask);
    expect(tools.calls).toHaveLength(0);
    expect(harness.types().slice(0, 2)).toEqual(['tool_call_start', 'tool_call_complete']);
    expect(eventsOfType(harness.events(), 'tool_call_complete')[0]?.error).toEqual({
      code: 'tool_excluded',
      message: "Tool 'secret' is not available in this context",
    });
  });

  it('leaves tool_call_start of a client-side tool to the executor and stamps the location on completion', async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('pick_file', {}), textTurn('ok')] });
    const tools = {
      ...createFakeToolExecutor({ pick_file: () => succeed('a.txt') }),
      executionLocation: () => 'client' as const,
    };
    const harness = createRunnerHarness(provider, { tools });
    await harness.runner.run(ask);
    expect(eventsOfType(harness.events(), 'tool_call_start')).toEqual([]);
    expect(eventsOfType(harness.events(), 'tool_call_complete')[0]?.execution_location).toBe('client');
  });

  it('stamps a custom execution location on both tool events', async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('pick_file', {}), textTurn('ok')] });
    const tools = createFakeToolExecutor({ pick_file: () => succeed('a.txt') });
    const harness = createRunnerHarness(provider, { tools, executionLocation: () => 'edge-worker' });
    await harness.runner.run(ask);
    expect(eventsOfType(harness.events(), 'tool_call_start')[0]?.execution_location).toBe('edge-worker');
    expect(eventsOfType(harness.events(), 'tool_call_complete')[0]?.execution_location).toBe('edge-worker');
  });

  it('passes tool-emitted events into the run stream', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('code_execute', {}, { id: 'c' }), textTurn('ok')],
    });
    const tools = createFakeToolExecutor({
      code_execute: (call, environment: ToolExecutionEnvironment) => {
        environment.emit({
          type: 'tool_output_chunk',
          tool_call_id: call.id,
          tool_name: call.name,
          stream: 'stdout',
          text: 'hi\n',
          seq: 1,
        });
        return succeed({ exit_code: 0 });
      },
    });
    const harness = createRunnerHarness(provider, { tools });
    await harness.runner.run(ask);
    expect(harness.types().slice(0, 3)).toEqual([
      'tool_call_start',
      'tool_output_chunk',
      'tool_call_complete',
    ]);
  });

  it('stops on cancellation during a tool: its signal aborts and no later tool starts', async () => {
    const provider = createScriptedProvider({ turns: [callsTurn(['a', 'slow'], ['b', 'after'])] });
    const controller = new AbortController();
    let slowSignal: AbortSignal | undefined;
    const tools = createFakeToolExecutor({
      slow: (_call, environment) => {
        slowSignal = environment.signal;
        controller.abort();
        return new Promise(() => {}); // ignores cancellation; the runner must not wait for it
      },
      after: () => succeed('should not run'),
    });
    const harness = createRunnerHarness(provider, { tools });
    const result = await harness.runner.run({ ...ask, signal: controller.signal });
    expect(slowSignal?.aborted).toBe(true);
    expect(tools.calls.map((entry) => entry.call.name)).toEqual(['slow']);
    expect(harness.types()).not.toContain('stream_complete');
    expect(harness.types()).not.toContain('error');
    expect(result.outcome).toBe('aborted');
    provider.assertAllConsumed();
  });
});
