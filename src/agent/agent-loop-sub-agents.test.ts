import { describe, expect, it } from 'vitest';
import type { ToolResultBlock } from '../core/messages.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import type { ScriptedTurn } from '../testing/scripted-turn.js';
import { textTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, succeed } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }] };

const callsTurn = (
  ...calls: Array<[id: string, name: string, input?: Record<string, unknown>]>
): ScriptedTurn => ({
  blocks: calls.map(([id, name, input]) => ({ type: 'tool_call' as const, id, name, input: input ?? {} })),
});

const toolResultsSeen = (requestMessages: readonly { content: unknown }[] | undefined): ToolResultBlock[] => {
  const content = requestMessages?.at(-1)?.content;
  return Array.isArray(content)
    ? content.filter((block): block is ToolResultBlock => (block as ToolResultBlock).type === 'tool_result')
    : [];
};

describe('agent loop: sub-agent calls', () => {
  it('runs consecutive run_agent calls concurrently with call indexes in turn order', async () => {
    const provider = createScriptedProvider({
      turns: [
        callsTurn(
          ['s1', 'run_agent', { task: 'x' }],
          ['s2', 'run_agent', { task: 'y' }],
          ['t', 'note'],
          ['s3', 'run_agent'],
        ),
        textTurn('ok'),
      ],
    });
    // Each sub-agent waits until both have started: only concurrent execution meets the barrier.
    let arrivals = 0;
    let openBarrier: () => void = () => {};
    const barrier = new Promise<void>((resolve) => (openBarrier = resolve));
    const fallback = (signal: AbortSignal) =>
      new Promise<'sequential'>((resolve) => {
        const timer = setTimeout(() => resolve('sequential'), 2_000);
        signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      });
    const tools = createFakeToolExecutor({
      run_agent: async (call) => {
        if (call.id === 's3') return succeed('alone');
        arrivals += 1;
        if (arrivals === 2) openBarrier();
        const done = new AbortController();
        const met = await Promise.race([barrier.then(() => 'concurrent' as const), fallback(done.signal)]);
        done.abort();
        return succeed(met);
      },
      note: () => succeed('noted'),
    });
    const harness = createRunnerHarness(provider, { tools });
    await harness.runner.run(ask);
    expect(
      toolResultsSeen(provider.requests[1]?.messages).map((block) => [block.tool_use_id, block.content]),
    ).toEqual([
      ['s1', '"concurrent"'],
      ['s2', '"concurrent"'],
      ['t', '"noted"'],
      ['s3', '"alone"'],
    ]);
    expect(
      eventsOfType(harness.events(), 'tool_call_start').map((event) => [
        event.tool_call_id,
        event.call_index,
      ]),
    ).toEqual([
      ['s1', 0],
      ['s2', 1],
      ['t', 0],
      ['s3', 2],
    ]);
    expect(harness.types().slice(0, 2)).toEqual(['tool_call_start', 'tool_call_start']);
  });

  it('respects maxConcurrentSubAgents', async () => {
    const provider = createScriptedProvider({
      turns: [callsTurn(['s1', 'run_agent'], ['s2', 'run_agent'], ['s3', 'run_agent']), textTurn('ok')],
    });
    let running = 0;
    let peak = 0;
    const tools = createFakeToolExecutor({
      run_agent: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return succeed('done');
      },
    });
    await createRunnerHarness(provider, { tools, maxConcurrentSubAgents: 2 }).runner.run(ask);
    expect(peak).toBe(2);
    expect(tools.calls.map((entry) => entry.call.callIndex)).toEqual([0, 1, 2]);
  });
});
