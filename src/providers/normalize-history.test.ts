import { describe, expect, it } from 'vitest';
import type { Message } from '../core/messages.js';
import { normalizeHistory } from './normalize-history.js';

/** Freezes a history the way a shared cache holds it: a change to it would throw. */
const deepFreeze = <Value>(value: Value): Value => {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

const options = {
  provider: 'anthropic',
  model: 'claude-x',
  sanitizeToolId: (id: string) => id.replace(/\./g, '_'),
};

describe('normalizeHistory', () => {
  it('passes messages that need no change on as they are, without copying them', () => {
    const history: Message[] = deepFreeze([
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'hello' }],
        provider: 'anthropic',
        model: 'claude-x',
        stop_reason: 'end_turn',
      },
      { role: 'user', content: 'and then?' },
    ]);
    const normalized = normalizeHistory(history, options);
    expect(normalized).toHaveLength(3);
    normalized.forEach((message, index) => expect(message).toBe(history[index]));
  });

  it('copies only what changes, from the first changed block on, and leaves a frozen history untouched', () => {
    const history: Message[] = deepFreeze([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        provider: 'openai',
        model: 'gpt-x',
        content: [
          { type: 'text', text: 'first' },
          { type: 'thinking', thinking: 'hmm' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'tool_use', id: 'call.1', name: 'lookup', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call.1', content: 'found' }] },
    ]);
    const before = JSON.stringify(history);
    const normalized = normalizeHistory(history, options);
    expect(JSON.stringify(history)).toBe(before);
    expect(normalized[0]).toBe(history[0]);
    const assistant = normalized[1] as Message & { content: unknown[] };
    const original = (history[1] as Message & { content: unknown[] }).content;
    expect(assistant).not.toBe(history[1]);
    expect(assistant.content).toEqual([
      { type: 'text', text: 'first' },
      { type: 'text', text: 'hmm' },
      { type: 'tool_use', id: 'call_1', name: 'lookup', input: {} },
    ]);
    // The unchanged leading block is the original one.
    expect(assistant.content[0]).toBe(original[0]);
    expect(normalized[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'found' }],
    });
  });

  it('drops an assistant turn left with no block, and one that failed', () => {
    const history: Message[] = [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        provider: 'openai',
        model: 'gpt-x',
        content: [{ type: 'redacted_thinking', data: 'x' }],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'partial' }], stop_reason: 'error' },
      { role: 'user', content: 'again' },
    ];
    expect(normalizeHistory(history, options)).toEqual([
      { role: 'user', content: 'q' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('answers a tool call left without a result before the next turn', () => {
    const history: Message[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: {} }] },
      { role: 'user', content: 'never mind' },
    ];
    const [, , next] = normalizeHistory(history, options);
    expect(next).toMatchObject({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', is_error: true },
        { type: 'text', text: 'never mind' },
      ],
    });
  });
});
