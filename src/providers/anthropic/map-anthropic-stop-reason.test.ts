import { describe, expect, it } from 'vitest';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

describe('mapAnthropicStopReason', () => {
  it.each(['end_turn', 'max_tokens', 'tool_use', 'stop_sequence', 'pause_turn', 'refusal'] as const)(
    'keeps %s',
    (reason) => {
      expect(mapAnthropicStopReason(reason)).toBe(reason);
    },
  );

  it('reports a full context window like max_tokens', () => {
    expect(mapAnthropicStopReason('model_context_window_exceeded')).toBe('max_tokens');
  });

  it('treats a missing or unknown reason as end_turn', () => {
    expect(mapAnthropicStopReason(null)).toBe('end_turn');
    expect(mapAnthropicStopReason(undefined)).toBe('end_turn');
    expect(mapAnthropicStopReason('something_new')).toBe('end_turn');
  });
});
