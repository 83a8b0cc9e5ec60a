import { describe, expect, it } from 'vitest';
import { sanitizeOpenAIToolId } from './sanitize-openai-tool-id.js';

describe('sanitizeOpenAIToolId', () => {
  it('keeps an id OpenAI already accepts', () => {
    expect(sanitizeOpenAIToolId('call_abc-123')).toBe('call_abc-123');
  });

  it('drops everything after a pipe', () => {
    expect(sanitizeOpenAIToolId('call_1|fc_item_2')).toBe('call_1');
  });

  it('replaces disallowed characters with underscores', () => {
    expect(sanitizeOpenAIToolId('toolu.01:x y')).toBe('toolu_01_x_y');
  });

  it('cuts ids to 40 characters', () => {
    const id = sanitizeOpenAIToolId('a'.repeat(64));
    expect(id).toHaveLength(40);
  });
});
