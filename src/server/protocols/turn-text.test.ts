import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import { createTurnText } from './turn-text.js';

const text = (value: string): GatewayEvent => ({ type: 'text_delta', text: value });
const toolCall: GatewayEvent = {
  type: 'tool_call_start',
  tool_call_id: 'call_1',
  tool_name: 'get_weather',
  tool_input: {},
  execution_location: 'server',
  call_index: 0,
};

describe('createTurnText', () => {
  it('keeps one part per model turn and joins them with a paragraph break', () => {
    const turns = createTurnText();
    const added = [text('I will '), text('look.'), toolCall, text(''), text('It is '), text('clear.')].map(
      (event) => turns.fold(event),
    );
    expect(added).toEqual(['I will ', 'look.', undefined, undefined, '\n\nIt is ', 'clear.']);
    expect(turns.parts).toEqual(['I will look.', 'It is clear.']);
    expect(turns.joined).toBe('I will look.\n\nIt is clear.');
  });

  it('starts no empty part: a turn without text before a tool call adds no break', () => {
    const turns = createTurnText();
    for (const event of [toolCall, toolCall, text('Only this.')]) turns.fold(event);
    expect(turns.parts).toEqual(['Only this.']);
    expect(turns.joined).toBe('Only this.');
  });

  it("drops the text on a retry, as the protocols' streams do", () => {
    const turns = createTurnText();
    const retry: GatewayEvent = { type: 'stream_retry', attempt: 1, error: 'The upstream failed.' };
    for (const event of [text('Half'), retry, text('Whole.')]) turns.fold(event);
    expect(turns.joined).toBe('Whole.');
  });
});
