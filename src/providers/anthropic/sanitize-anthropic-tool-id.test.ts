import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sanitizeAnthropicToolId } from './sanitize-anthropic-tool-id.js';

describe('sanitizeAnthropicToolId', () => {
  it('keeps ids that are already valid', () => {
    expect(sanitizeAnthropicToolId('toolu_01A-b_C')).toBe('toolu_01A-b_C');
  });

  it('replaces characters outside [A-Za-z0-9_-] with underscores', () => {
    expect(sanitizeAnthropicToolId('call.1|fc:x y')).toBe('call_1_fc_x_y');
  });

  it('keeps a 64-character id as it is', () => {
    const id = 'a'.repeat(64);
    expect(sanitizeAnthropicToolId(id)).toBe(id);
  });

  it('shortens a long id to 55 characters, an underscore and 8 hex of the original id', () => {
    const id = `${'x'.repeat(60)}|${'y'.repeat(20)}`;
    const expectedHash = createHash('sha1').update(id).digest('hex').slice(0, 8);
    const sanitized = sanitizeAnthropicToolId(id);
    expect(sanitized).toHaveLength(64);
    expect(sanitized).toBe(`${'x'.repeat(55)}_${expectedHash}`);
  });

  it('keeps long ids that share a prefix distinct', () => {
    const prefix = 'p'.repeat(70);
    expect(sanitizeAnthropicToolId(`${prefix}1`)).not.toBe(sanitizeAnthropicToolId(`${prefix}2`));
  });

  it('is deterministic, so tool_use and tool_result ids still pair up', () => {
    const id = `fc_${'z'.repeat(80)}`;
    expect(sanitizeAnthropicToolId(id)).toBe(sanitizeAnthropicToolId(id));
  });

  it('never returns an empty id', () => {
    expect(sanitizeAnthropicToolId('')).toBe('_');
  });
});
