import { describe, expect, it } from 'vitest';
import type { ContentBlock, Message } from '../core/messages.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, succeed } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }] };

/** The texts of the text blocks of a message. */
const textsOf = (message: Message | undefined): string[] =>
  Array.isArray(message?.content)
    ? message.content
        .filter((block): block is Extract<ContentBlock, { type: 'text' }> => block.type === 'text')
        .map((block) => block.text)
    : [];

describe('agent loop: steering', () => {
  it('puts a message that arrived during a tool call into the next model request, after the tool results', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('weather', { city: 'Oslo' }, { id: 'call_1' }), textTurn('Bergen is rainy.')],
    });
    const waiting: string[] = [];
    const tools = createFakeToolExecutor({
      weather: () => {
        // The user types while the tool runs.
        waiting.push('Actually, Bergen please.');
        return succeed({ celsius: -3 });
      },
    });
    const harness = createRunnerHarness(provider, { tools });
    const result = await harness.runner.run({ ...ask, steering: () => waiting.splice(0) });

    const second = provider.requests[1]?.messages.at(-1);
    expect(second?.role).toBe('user');
    expect(Array.isArray(second?.content) && second.content.map((block) => block.type)).toEqual([
      'tool_result',
      'text',
    ]);
    expect(textsOf(second)).toEqual(['Actually, Bergen please.']);
    expect(eventsOfType(harness.events(), 'steering_message')).toEqual([
      { type: 'steering_message', content: 'Actually, Bergen please.' },
    ]);
    expect(result.messages.filter((message) => message.role === 'user')).toHaveLength(2);
    provider.assertAllConsumed();
  });

  it('answers a message that arrived during the final answer with one more turn', async () => {
    const provider = createScriptedProvider({
      turns: [textTurn('Hello.'), textTurn('Sure, in French: Bonjour.')],
    });
    const waiting = ['And in French?'];
    let calls = 0;
    const harness = createRunnerHarness(provider);
    // Nothing waits before the first turn: the message arrives while the model answers.
    const result = await harness.runner.run({
      ...ask,
      steering: () => (calls++ === 0 ? waiting.splice(0) : []),
    });

    expect(provider.requests).toHaveLength(2);
    expect(textsOf(provider.requests[1]?.messages.at(-1))).toEqual(['And in French?']);
    expect(result.outcome).toBe('completed');
    expect(harness.types().filter((type) => type === 'stream_complete')).toHaveLength(1);
    provider.assertAllConsumed();
  });

  it('runs as before when nothing steers', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('Hello.')] });
    const harness = createRunnerHarness(provider);
    await harness.runner.run({ ...ask, steering: () => [] });
    expect(provider.requests).toHaveLength(1);
    expect(eventsOfType(harness.events(), 'steering_message')).toEqual([]);
  });
});
