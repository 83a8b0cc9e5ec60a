import { describe, expect, it } from 'vitest';
import { approximateJsonBytes } from './approximate-json-bytes.js';

describe('approximateJsonBytes', () => {
  it('stays close to the length of the JSON for event-shaped values', () => {
    const event = {
      type: 'tool_call_complete',
      tool_call_id: 'call_1',
      result: { images: ['a'.repeat(100_000), 'b'.repeat(50_000)], count: 2, ok: true, note: null },
      error: null,
    };
    const exact = JSON.stringify(event).length;
    const approximate = approximateJsonBytes(event);
    expect(approximate).toBeGreaterThanOrEqual(exact);
    expect(approximate).toBeLessThan(exact * 1.01);
  });

  it('counts a value reached twice once, so cyclic values stay finite', () => {
    const node: Record<string, unknown> = { name: 'x' };
    node['self'] = node;
    node['again'] = node;
    expect(approximateJsonBytes(node)).toBeLessThan(100);
  });
});
