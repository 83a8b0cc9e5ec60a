import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import type { ProviderEvent } from '../../core/provider.js';
import { createOpenAIStreamMapper, mapOpenAIStream, toTurnUsage } from './map-openai-stream.js';

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string; reasoning?: string };

const chunk = (
  delta: Delta,
  finishReason: ChatCompletionChunk.Choice['finish_reason'] = null,
): ChatCompletionChunk => ({
  id: 'chatcmpl-test',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'gpt-4o',
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

const usageChunk = (prompt: number, completion: number, cached: number): ChatCompletionChunk => ({
  id: 'chatcmpl-test',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'gpt-4o',
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  },
});

const mapAll = (chunks: ChatCompletionChunk[]): ProviderEvent[] => {
  const mapper = createOpenAIStreamMapper();
  return [...chunks.flatMap((item) => mapper.push(item)), ...mapper.finish()];
};

const finishError = (chunks: ChatCompletionChunk[]): ProviderError => {
  try {
    mapAll(chunks);
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected the mapper to throw');
};

describe('createOpenAIStreamMapper', () => {
  it('maps a text turn to start, deltas, the text block, usage and end_turn', () => {
    const events = mapAll([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hello ' }),
      chunk({ content: 'world' }),
      chunk({}, 'stop'),
      usageChunk(120, 7, 100),
    ]);
    expect(events).toEqual([
      { type: 'message_start' },
      { type: 'text_delta', text: 'Hello ' },
      { type: 'text_delta', text: 'world' },
      { type: 'block_end', block: { type: 'text', text: 'Hello world' } },
      {
        type: 'usage',
        usage: { inputTokens: 20, outputTokens: 7, cacheReadTokens: 100, cacheCreationTokens: 0 },
      },
      { type: 'message_end', stopReason: 'end_turn' },
    ]);
  });

  it('maps reasoning_content and reasoning deltas to thinking, closed before the text', () => {
    const events = mapAll([
      chunk({ reasoning_content: 'Think ' }),
      chunk({ reasoning: 'more.' }),
      chunk({ content: 'Answer' }),
      chunk({}, 'stop'),
    ]);
    expect(events.filter((event) => event.type === 'thinking_delta')).toEqual([
      { type: 'thinking_delta', text: 'Think ' },
      { type: 'thinking_delta', text: 'more.' },
    ]);
    expect(events.filter((event) => event.type === 'block_end')).toEqual([
      { type: 'block_end', block: { type: 'thinking', thinking: 'Think more.' } },
      { type: 'block_end', block: { type: 'text', text: 'Answer' } },
    ]);
  });

  it('assembles interleaved tool calls by index and closes them in index order', () => {
    const events = mapAll([
      chunk({
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'alpha', arguments: '' } },
        ],
      }),
      chunk({
        tool_calls: [
          { index: 1, id: 'call_b', type: 'function', function: { name: 'beta', arguments: '{"n"' } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: ':2}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(events).toEqual([
      { type: 'message_start' },
      { type: 'tool_use_start', id: 'call_a', name: 'alpha' },
      { type: 'tool_use_start', id: 'call_b', name: 'beta' },
      { type: 'tool_use_delta', id: 'call_b', partialJson: '{"n"' },
      { type: 'tool_use_delta', id: 'call_a', partialJson: '{"x":' },
      { type: 'tool_use_delta', id: 'call_b', partialJson: ':2}' },
      { type: 'tool_use_delta', id: 'call_a', partialJson: '1}' },
      { type: 'block_end', block: { type: 'tool_use', id: 'call_a', name: 'alpha', input: { x: 1 } } },
      { type: 'block_end', block: { type: 'tool_use', id: 'call_b', name: 'beta', input: { n: 2 } } },
      { type: 'message_end', stopReason: 'tool_use' },
    ]);
  });

  it('starts a tool call only once id and name are known, replaying earlier argument pieces', () => {
    const events = mapAll([
      chunk({ tool_calls: [{ index: 0, function: { name: 'alpha', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(events.slice(1, 3)).toEqual([
      { type: 'tool_use_start', id: 'call_a', name: 'alpha' },
      { type: 'tool_use_delta', id: 'call_a', partialJson: '{"a":1}' },
    ]);
  });

  it('parses empty arguments as an empty object and invents an id a server left out', () => {
    const events = mapAll([
      chunk({ tool_calls: [{ index: 0, function: { name: 'ping' } }] }),
      chunk({}, 'stop'),
    ]);
    const start = events.find((event) => event.type === 'tool_use_start');
    const id = start?.type === 'tool_use_start' ? start.id : '';
    expect(id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(events).toContainEqual({ type: 'tool_use_start', id, name: 'ping' });
    expect(events).toContainEqual({
      type: 'block_end',
      block: { type: 'tool_use', id, name: 'ping', input: {} },
    });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
  });

  it('invents a different id for every call a server left the id out of, across turns too', () => {
    const idsOfTurn = (): string[] =>
      mapAll([
        chunk({
          tool_calls: [
            { index: 0, function: { name: 'ping', arguments: '{}' } },
            { index: 1, function: { name: 'pong', arguments: '{}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
      ]).flatMap((event) => (event.type === 'tool_use_start' ? [event.id] : []));
    const ids = [...idsOfTurn(), ...idsOfTurn()];
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('rejects invalid JSON arguments with a non-retryable error', () => {
    const error = finishError([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'alpha', arguments: '{"x":' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('invalid JSON');
  });

  it('rejects arguments that are not a JSON object', () => {
    const error = finishError([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'alpha', arguments: '[1]' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(error.retryable).toBe(false);
  });

  it('treats a stream that ends without a finish_reason as a retryable cut', () => {
    const error = finishError([chunk({ content: 'Hel' })]);
    expect(error.retryable).toBe(true);
    expect(finishError([]).retryable).toBe(true);
  });

  it('maps content_filter to refusal and streams refusal text as text', () => {
    const events = mapAll([chunk({ refusal: 'I cannot help with that.' }), chunk({}, 'content_filter')]);
    expect(events).toContainEqual({ type: 'text_delta', text: 'I cannot help with that.' });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'refusal' });
  });

  it('maps length to max_tokens', () => {
    expect(mapAll([chunk({ content: 'cut' }, 'length')]).at(-1)).toEqual({
      type: 'message_end',
      stopReason: 'max_tokens',
    });
  });

  it('emits no usage when the server reported none', () => {
    expect(mapAll([chunk({ content: 'x' }, 'stop')]).some((event) => event.type === 'usage')).toBe(false);
  });
});

describe('toTurnUsage', () => {
  it('never reports negative uncached input', () => {
    expect(
      toTurnUsage({
        prompt_tokens: 5,
        completion_tokens: 1,
        total_tokens: 6,
        prompt_tokens_details: { cached_tokens: 9 },
      }),
    ).toEqual({ inputTokens: 0, outputTokens: 1, cacheReadTokens: 9, cacheCreationTokens: 0 });
  });
});

describe('mapOpenAIStream', () => {
  it('maps an async chunk stream', async () => {
    async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
      // Each chunk arrives on a later tick, as it would from the network.
      for (const item of [chunk({ content: 'Hi' }), chunk({}, 'stop')]) {
        await Promise.resolve();
        yield item;
      }
    }
    const events: ProviderEvent[] = [];
    for await (const event of mapOpenAIStream(chunks())) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'text_delta',
      'block_end',
      'message_end',
    ]);
  });
});
