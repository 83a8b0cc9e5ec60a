import { describe, expect, it } from 'vitest';
import { stripInputFields } from './strip-input-fields.js';

describe('stripInputFields', () => {
  const schema = {
    type: 'object',
    properties: { query: { type: 'string' }, user_id: { type: 'string' }, limit: { type: 'number' } },
    required: ['query', 'user_id'],
  };

  it('removes the named properties and their required entries without touching the input', () => {
    const stripped = stripInputFields(schema, new Set(['user_id']));
    expect(stripped).toEqual({
      type: 'object',
      properties: { query: { type: 'string' }, limit: { type: 'number' } },
      required: ['query'],
    });
    expect(schema.properties).toHaveProperty('user_id');
    expect(schema.required).toContain('user_id');
  });

  it('returns the same schema when nothing matches', () => {
    expect(stripInputFields(schema, new Set(['tenant']))).toBe(schema);
    expect(stripInputFields(schema, new Set())).toBe(schema);
  });
});
