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

describe('approximateJsonBytes of a flat object', () => {
  it('counts a flat object as the walk of the same fields inside an array would, less the array', () => {
    const flat = { type: 'text_delta', text: 'hello', index: 3, done: false, note: null };
    const nested = { wrapper: flat };
    expect(approximateJsonBytes(nested)).toBe(approximateJsonBytes(flat) + 'wrapper'.length + 4 + 2);
    const exact = JSON.stringify(flat).length;
    expect(approximateJsonBytes(flat)).toBeGreaterThanOrEqual(exact);
  });

  it('counts own fields only, as the walk does', () => {
    const base = { inherited: 'x'.repeat(1000) };
    const child: Record<string, unknown> = Object.create(base) as Record<string, unknown>;
    child['own'] = 'y';
    expect(approximateJsonBytes(child)).toBe(approximateJsonBytes({ own: 'y' }));
    expect(approximateJsonBytes(child)).toBeLessThan(100);
  });
});

describe('approximateJsonBytes of an object with one nested flat object', () => {
  it('counts it as the walk does', () => {
    const event = {
      type: 'stream_complete',
      usage: { input_tokens: 12, output_tokens: 40, estimated_cost: 0.0006, note: null },
    };
    // Inside an array the event is walked: the array adds its brackets and one separator.
    expect(approximateJsonBytes(event)).toBe(approximateJsonBytes([event]) - 3);
    expect(approximateJsonBytes(event)).toBeGreaterThanOrEqual(JSON.stringify(event).length);
  });

  it('walks an object with two nested objects, counting one reached twice once', () => {
    const usage = { input_tokens: 1 };
    const twice = { first: usage, second: usage };
    expect(approximateJsonBytes(twice)).toBe(approximateJsonBytes([twice]) - 3);
    expect(approximateJsonBytes(twice)).toBeLessThan(
      approximateJsonBytes({ first: usage, second: { input_tokens: 1 } }),
    );
  });
});
