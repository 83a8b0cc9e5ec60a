import { describe, expect, it } from 'vitest';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

describe('mapOpenAIFinishReason', () => {
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
    [undefined, 'end_turn'],
  ] as const)('maps %s to %s', (finishReason, stopReason) => {
    expect(mapOpenAIFinishReason(finishReason, false)).toBe(stopReason);
  });

  it('reports tool_use when tool calls were streamed but the server said stop or nothing', () => {
    expect(mapOpenAIFinishReason('stop', true)).toBe('tool_use');
    expect(mapOpenAIFinishReason(undefined, true)).toBe('tool_use');
  });

  it('keeps max_tokens when a turn with tool calls was cut by the limit', () => {
    expect(mapOpenAIFinishReason('length', true)).toBe('max_tokens');
  });
});
