import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import type { ProviderEvent } from '../../core/provider.js';
import { encodeAnthropicStream } from '../../testing/mock-upstream/anthropic-stream-encoder.js';
import type { ScriptedResponse } from '../../testing/scripted-turn.js';
import {
  createAnthropicStreamMapper,
  mapAnthropicStream,
  type AnthropicStreamMapper,
} from './map-anthropic-stream.js';

// Wire events as the API sends them; the SDK types demand fields a test does not care about.
const raw = (event: Record<string, unknown>): RawMessageStreamEvent =>
  event as unknown as RawMessageStreamEvent;

/** The raw events of a scripted turn, exactly as the mock upstream would stream them. */
const eventsOf = (turn: ScriptedResponse): RawMessageStreamEvent[] =>
  encodeAnthropicStream(turn, 'claude-sonnet-4-6')
    .filter((frame) => frame.event !== 'ping')
    .map((frame) => raw(JSON.parse(frame.data) as Record<string, unknown>));

const mapAll = (events: RawMessageStreamEvent[]): ProviderEvent[] => {
  const mapper = createAnthropicStreamMapper();
  const out: ProviderEvent[] = [];
  for (const event of events) mapper.map(event, out);
  return out;
};

/** The provider events of one raw event. */
const mapOne = (mapper: AnthropicStreamMapper, event: RawMessageStreamEvent): ProviderEvent[] => {
  const out: ProviderEvent[] = [];
  mapper.map(event, out);
  return out;
};

async function* iterate(events: RawMessageStreamEvent[]): AsyncGenerator<RawMessageStreamEvent> {
  await Promise.resolve();
  yield* events;
}

const collect = async (events: RawMessageStreamEvent[]): Promise<ProviderEvent[]> => {
  const output: ProviderEvent[] = [];
  for await (const event of mapAnthropicStream(iterate(events))) output.push(event);
  return output;
};

const rejectionOf = async (events: RawMessageStreamEvent[]): Promise<unknown> => {
  try {
    await collect(events);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('createAnthropicStreamMapper', () => {
  it('maps a text turn to message_start, usage, deltas, the completed block and message_end last', () => {
    const events = mapAll(eventsOf({ blocks: [{ type: 'text', text: 'Hello big world' }] }));
    expect(events[0]).toEqual({ type: 'message_start' });
    expect(events.filter((event) => event.type === 'text_delta').map((event) => event.text)).toEqual([
      'Hello ',
      'big ',
      'world',
    ]);
    expect(events).toContainEqual({ type: 'block_end', block: { type: 'text', text: 'Hello big world' } });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
  });

  it('streams thinking and completes the block with its signature', () => {
    const events = mapAll(
      eventsOf({
        blocks: [
          { type: 'thinking', text: 'step one', signature: 'sig_123' },
          { type: 'text', text: 'done' },
        ],
      }),
    );
    expect(events.filter((event) => event.type === 'thinking_delta').map((event) => event.text)).toEqual([
      'step ',
      'one',
    ]);
    expect(events).toContainEqual({
      type: 'block_end',
      block: { type: 'thinking', thinking: 'step one', signature: 'sig_123' },
    });
  });

  it('assembles tool input from streamed JSON pieces', () => {
    const input = { city: 'Paris', days: [1, 2, 3], nested: { ok: true } };
    const events = mapAll(
      eventsOf({ blocks: [{ type: 'tool_call', id: 'toolu_9', name: 'weather', input }] }),
    );
    expect(events).toContainEqual({ type: 'tool_use_start', id: 'toolu_9', name: 'weather' });
    const partials = events.flatMap((event) => (event.type === 'tool_use_delta' ? [event.partialJson] : []));
    expect(partials.length).toBeGreaterThan(1);
    expect(partials.join('')).toBe(JSON.stringify(input));
    expect(events).toContainEqual({
      type: 'block_end',
      block: { type: 'tool_use', id: 'toolu_9', name: 'weather', input },
    });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
  });

  it('gives a tool call without streamed input an empty object', () => {
    const events = mapAll([
      raw({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'n', input: {} },
      }),
      raw({ type: 'content_block_stop', index: 0 }),
    ]);
    expect(events.at(-1)).toEqual({
      type: 'block_end',
      block: { type: 'tool_use', id: 't', name: 'n', input: {} },
    });
  });

  it('reports usage as Anthropic does: uncached input, cache counts apart, cumulative output', () => {
    const events = mapAll(
      eventsOf({
        blocks: [{ type: 'text', text: 'hi' }],
        usage: { inputTokens: 12, outputTokens: 34, cacheReadTokens: 500, cacheCreationTokens: 70 },
      }),
    );
    const snapshots = events.flatMap((event) => (event.type === 'usage' ? [event.usage] : []));
    expect(snapshots[0]).toEqual({
      inputTokens: 12,
      outputTokens: 1,
      cacheReadTokens: 500,
      cacheCreationTokens: 70,
    });
    expect(snapshots.at(-1)).toEqual({
      inputTokens: 12,
      outputTokens: 34,
      cacheReadTokens: 500,
      cacheCreationTokens: 70,
    });
  });

  it('takes cumulative input counts from message_delta when the API repeats them', () => {
    const mapper = createAnthropicStreamMapper();
    mapOne(
      mapper,
      raw({
        type: 'message_start',
        message: { usage: { input_tokens: 5, output_tokens: 1, cache_read_input_tokens: null } },
      }),
    );
    const [event] = mapOne(
      mapper,
      raw({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 9, input_tokens: 7, cache_read_input_tokens: null },
      }),
    );
    expect(event).toEqual({
      type: 'usage',
      usage: { inputTokens: 7, outputTokens: 9, cacheReadTokens: 0, cacheCreationTokens: 0 },
    });
  });

  it('completes redacted thinking with its opaque data and skips server-side blocks', () => {
    const events = mapAll([
      raw({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'redacted_thinking', data: 'enc' },
      }),
      raw({ type: 'content_block_stop', index: 0 }),
      raw({
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'server_tool_use', id: 's', name: 'web_search', input: {} },
      }),
      raw({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{}' } }),
      raw({ type: 'content_block_stop', index: 1 }),
    ]);
    expect(events).toEqual([{ type: 'block_end', block: { type: 'redacted_thinking', data: 'enc' } }]);
  });

  it('maps the stop reason and reports the stream as finished only at message_stop', () => {
    const mapper = createAnthropicStreamMapper();
    mapOne(
      mapper,
      raw({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 1 } }),
    );
    expect(mapper.finished).toBe(false);
    expect(mapOne(mapper, raw({ type: 'message_stop' }))).toEqual([
      { type: 'message_end', stopReason: 'max_tokens' },
    ]);
    expect(mapper.finished).toBe(true);
    expect(mapOne(mapper, raw({ type: 'message_stop' }))).toEqual([]);
  });

  it('rejects invalid tool JSON with a non-retryable ProviderError', () => {
    const mapper = createAnthropicStreamMapper();
    mapOne(
      mapper,
      raw({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'n', input: {} },
      }),
    );
    mapOne(
      mapper,
      raw({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"a":' },
      }),
    );
    let thrown: unknown;
    try {
      mapOne(mapper, raw({ type: 'content_block_stop', index: 0 }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect((thrown as ProviderError).retryable).toBe(false);
  });

  it('rejects tool input that is JSON but not an object', () => {
    const mapper = createAnthropicStreamMapper();
    mapOne(
      mapper,
      raw({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'n', input: {} },
      }),
    );
    mapOne(
      mapper,
      raw({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '[1]' },
      }),
    );
    expect(() => mapOne(mapper, raw({ type: 'content_block_stop', index: 0 }))).toThrow(ProviderError);
  });
});

describe('AnthropicStreamMapper.mapTextDelta', () => {
  it('maps a text or thinking delta exactly as map does its raw event, stray ones included', () => {
    const turn: ScriptedResponse = {
      blocks: [
        { type: 'thinking', text: 'hmm, let me see', signature: 'sig' },
        { type: 'text', text: 'Hello big world' },
      ],
    };
    const viaMap = createAnthropicStreamMapper();
    const viaText = createAnthropicStreamMapper();
    const mapped: ProviderEvent[] = [];
    const mappedText: ProviderEvent[] = [];
    const rawDelta = (index: number, kind: 'text' | 'thinking', text: string): RawMessageStreamEvent =>
      raw({
        type: 'content_block_delta',
        index,
        delta: kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text },
      });
    // Deltas to the other block's kind, to no block, and after the end: as map does (ignored).
    const stray: Array<[number, 'text' | 'thinking', string]> = [
      [0, 'text', 'text to the thinking block'],
      [1, 'thinking', 'thinking to the text block'],
      [9, 'text', 'to no block'],
    ];
    const both = (index: number, kind: 'text' | 'thinking', text: string): void => {
      viaMap.map(rawDelta(index, kind, text), mapped);
      viaText.mapTextDelta(index, kind, text, mappedText);
    };
    for (const event of eventsOf(turn)) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        for (const args of stray) both(...args);
        both(event.index, 'text', event.delta.text);
      } else if (event.type === 'content_block_delta' && event.delta.type === 'thinking_delta') {
        for (const args of stray) both(...args);
        both(event.index, 'thinking', event.delta.thinking);
      } else {
        viaMap.map(event, mapped);
        viaText.map(event, mappedText);
      }
    }
    both(1, 'text', 'after the end');
    expect(mappedText).toEqual(mapped);
    expect(mapped.filter((event) => event.type === 'text_delta').length).toBeGreaterThan(1);
    expect(mapped.filter((event) => event.type === 'thinking_delta').length).toBeGreaterThan(1);
    expect(mapped).toContainEqual({ type: 'block_end', block: { type: 'text', text: 'Hello big world' } });
    expect(mapped).toContainEqual({
      type: 'block_end',
      block: { type: 'thinking', thinking: 'hmm, let me see', signature: 'sig' },
    });
  });
});

describe('mapAnthropicStream', () => {
  it('yields every mapped event of a complete stream', async () => {
    const events = await collect(eventsOf({ blocks: [{ type: 'text', text: 'ok' }] }));
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
  });

  it('fails retryably when the stream ends before message_stop', async () => {
    const cut = eventsOf({ blocks: [{ type: 'text', text: 'partial answer' }] }).slice(0, 3);
    const error = await rejectionOf(cut);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });
});
