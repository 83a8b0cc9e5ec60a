import { describe, expect, it } from 'vitest';
import type { Message, ToolResultBlock, ToolUseBlock } from '../core/messages.js';
import type { RunCheckpoint } from '../core/run-takeover.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, succeed } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }] };

const toolUse = (id: string, name: string): ToolUseBlock => ({ type: 'tool_use', id, name, input: { id } });

const resultOf = (id: string, content: string): ToolResultBlock => ({
  type: 'tool_result',
  tool_use_id: id,
  content,
});

const usage = { inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheCreationTokens: 0 };

/** The tool_result blocks of the last message of a request. */
const toolResultsIn = (messages: readonly Message[] | undefined): ToolResultBlock[] => {
  const content = messages?.at(-1)?.content;
  return Array.isArray(content)
    ? content.filter((block): block is ToolResultBlock => block.type === 'tool_result')
    : [];
};

describe('agent loop: checkpoints', () => {
  it('checkpoints when the model calls tools, as each call finishes, and once the results are in', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('lookup', { key: 'a' }, { id: 'call_1', usage }), textTurn('Done.', { usage })],
    });
    const checkpoints: RunCheckpoint[] = [];
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ lookup: () => succeed({ value: 42 }) }),
      onCheckpoint: (checkpoint) => {
        checkpoints.push(structuredClone(checkpoint));
        return Promise.resolve();
      },
    });
    const result = await harness.runner.run(ask);
    expect(result.outcome).toBe('completed');

    expect(checkpoints.map((checkpoint) => Object.keys(checkpoint.toolsInFlight?.finished ?? {}))).toEqual([
      [],
      ['call_1'],
      [],
    ]);
    const [announced, oneFinished, settled] = checkpoints;
    expect(announced?.toolsInFlight?.calls.map((call) => call.id)).toEqual(['call_1']);
    expect(announced?.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(oneFinished?.toolsInFlight?.finished['call_1']?.resultBlock.content).toContain('42');
    expect(settled?.toolsInFlight).toBeUndefined();
    expect(settled?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(settled?.turns).toBe(1);
    expect(settled?.tokens.inputTokens).toBe(100);
  });

  it('keeps running when saving a checkpoint fails', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('lookup', {}, { id: 'call_1' }), textTurn('Done.')],
    });
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ lookup: () => succeed('ok') }),
      onCheckpoint: () => Promise.reject(new Error('redis is down')),
    });
    const result = await harness.runner.run(ask);
    expect(result.outcome).toBe('completed');
    expect(harness.text()).toBe('Done.');
  });
});

describe('agent loop: resuming from a checkpoint', () => {
  it('continues the conversation of the checkpoint with the turns and tokens it had', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('Second half.', { usage })] });
    const harness = createRunnerHarness(provider);
    const checkpoint: RunCheckpoint = {
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [toolUse('call_1', 'lookup')] },
        { role: 'user', content: [resultOf('call_1', 'found')] },
      ],
      turns: 1,
      tokens: usage,
    };
    const result = await harness.runner.run({ messages: [], resume: checkpoint });

    expect(provider.requests[0]?.messages).toEqual(checkpoint.messages);
    expect(result.turns).toBe(2);
    const complete = eventsOfType(harness.events(), 'stream_complete')[0];
    expect(complete?.usage.input_tokens).toBe(200);
    expect(complete?.usage.output_tokens).toBe(40);
  });

  it('re-runs in-flight idempotent tools, answers the others `interrupted`, and keeps finished results', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('Recovered.')] });
    const tools = createFakeToolExecutor({
      read_file: () => succeed('file contents'),
      send_email: () => succeed('sent'),
    });
    tools.isIdempotent = (name) => name === 'read_file';
    const harness = createRunnerHarness(provider, { tools });
    const calls = [
      toolUse('call_a', 'send_email'),
      toolUse('call_b', 'read_file'),
      toolUse('call_c', 'send_email'),
    ];
    const result = await harness.runner.run({
      messages: [],
      resume: {
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: calls },
        ],
        turns: 1,
        tokens: usage,
        toolsInFlight: {
          calls,
          finished: { call_a: { resultBlock: resultOf('call_a', 'sent before the crash'), extraBlocks: [] } },
          stopReason: 'tool_use',
        },
      },
    });

    expect(result.outcome).toBe('completed');
    // Only the idempotent call reached the executor again; the finished one was not repeated.
    expect(tools.calls.map(({ call }) => call.id)).toEqual(['call_b']);
    const seen = toolResultsIn(provider.requests[0]?.messages);
    expect(seen.map((block) => block.tool_use_id)).toEqual(['call_a', 'call_b', 'call_c']);
    expect(seen[0]?.content).toBe('sent before the crash');
    expect(seen[1]?.content).toContain('file contents');
    expect(seen[2]?.is_error).toBe(true);
    expect(seen[2]?.content).toContain('interrupted');
    const completed = eventsOfType(harness.events(), 'tool_call_complete');
    expect(completed.map((event) => [event.tool_call_id, event.error?.code ?? null])).toEqual([
      ['call_b', null],
      ['call_c', 'interrupted'],
    ]);
    expect(harness.text()).toBe('Recovered.');
  });

  it('counts the turns before the takeover toward the turn limit', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('never asked')] });
    const harness = createRunnerHarness(provider, { maxTurns: 2 });
    await harness.runner.run({
      messages: [],
      resume: { messages: [{ role: 'user', content: 'go' }], turns: 2, tokens: usage },
    });
    expect(provider.requests).toHaveLength(0);
    expect(harness.types()).toContain('max_turns_reached');
  });

  it('keeps the call_index a sub-agent call was first announced with', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('Both done.')] });
    const tools = createFakeToolExecutor({ run_agent: () => succeed('sub-agent answer') });
    tools.isIdempotent = () => true;
    const harness = createRunnerHarness(provider, { tools });
    const calls = [toolUse('call_a', 'run_agent'), toolUse('call_b', 'run_agent')];
    await harness.runner.run({
      messages: [],
      resume: {
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: calls },
        ],
        turns: 1,
        tokens: usage,
        toolsInFlight: {
          calls,
          finished: { call_a: { resultBlock: resultOf('call_a', 'first answer'), extraBlocks: [] } },
          stopReason: 'tool_use',
        },
      },
    });
    const starts = eventsOfType(harness.events(), 'tool_call_start');
    expect(starts.map((event) => [event.tool_call_id, event.call_index])).toEqual([['call_b', 1]]);
  });
});

describe('agent loop: checkpoints of a compacted run', () => {
  const record = () => {
    const checkpoints: RunCheckpoint[] = [];
    return {
      checkpoints,
      onCheckpoint: (checkpoint: RunCheckpoint) => {
        checkpoints.push(structuredClone(checkpoint));
        return Promise.resolve();
      },
    };
  };

  it('carries the client-side summary, not the turns it replaced, and a resumed run starts from it', async () => {
    const provider = createScriptedProvider({
      name: 'openai',
      turns: [
        toolCallTurn('lookup', { key: 'a' }, { id: 'call_1', usage: { inputTokens: 400 } }),
        toolCallTurn('lookup', { key: 'b' }, { id: 'call_2', usage: { inputTokens: 2_000 } }),
        textTurn('Summary: a was looked up.'),
      ],
    });
    const { checkpoints, onCheckpoint } = record();
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ lookup: () => succeed({ value: 1 }) }),
      compaction: { mode: 'client', trigger: 1_000 },
      maxTurns: 2,
      onCheckpoint,
    });
    await harness.runner.run(ask);
    expect(eventsOfType(harness.events(), 'compaction')).toHaveLength(1);

    const last = checkpoints.at(-1);
    const serialized = JSON.stringify(last?.messages);
    expect(serialized).toContain('Summary: a was looked up.');
    expect(serialized).not.toContain('call_1');
    expect(serialized).toContain('call_2');

    // The instance that takes the run over continues from the compacted history as it is.
    const next = createScriptedProvider({ name: 'openai', turns: [textTurn('Both done.')] });
    const resumed = createRunnerHarness(next);
    const result = await resumed.runner.run({ messages: [], resume: last });
    expect(result.outcome).toBe('completed');
    expect(next.requests[0]?.messages).toEqual(last?.messages);
  });

  it('carries the provider compaction block, which the resumed run sends back in place', async () => {
    const provider = createScriptedProvider({
      name: 'anthropic',
      turns: [
        {
          blocks: [
            { type: 'compaction', summary: 'Earlier: greetings.', encryptedContent: 'enc_1' },
            { type: 'tool_call', id: 'call_1', name: 'lookup', input: {} },
          ],
        },
        textTurn('Done.'),
      ],
    });
    const { checkpoints, onCheckpoint } = record();
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ lookup: () => succeed('found') }),
      compaction: { mode: 'server', trigger: 60_000 },
      onCheckpoint,
    });
    await harness.runner.run(ask);
    const settled = checkpoints.find((checkpoint) => checkpoint.toolsInFlight === undefined);
    const assistant = settled?.messages[1];
    expect(Array.isArray(assistant?.content) ? assistant.content[0] : undefined).toEqual({
      type: 'compaction',
      content: 'Earlier: greetings.',
      encrypted_content: 'enc_1',
    });

    const next = createScriptedProvider({ name: 'anthropic', turns: [textTurn('Recovered.')] });
    const resumed = createRunnerHarness(next, { compaction: { mode: 'server', trigger: 60_000 } });
    await resumed.runner.run({ messages: [], resume: settled });
    expect(next.requests[0]?.messages).toEqual(settled?.messages);
    expect(next.requests[0]?.compaction).toEqual({ trigger: 60_000, instructions: undefined });
  });
});
