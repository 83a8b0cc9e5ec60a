import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withJsonSchemaOnce } from './json-schema-once.js';

const schema = z.object({ message: z.string().min(1).describe('What to ask') });

describe('a schema whose JSON Schema is computed once', () => {
  it('gives the JSON Schema the schema gives, the same object every time for a target', () => {
    const once = withJsonSchemaOnce(schema);
    const first = once['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    expect(first).toEqual(schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' }));
    expect(once['~standard'].jsonSchema.input({ target: 'draft-2020-12' })).toBe(first);
    expect(once['~standard'].jsonSchema.input({ target: 'draft-07' })).toEqual(
      schema['~standard'].jsonSchema.input({ target: 'draft-07' }),
    );
    expect(once['~standard'].jsonSchema.output({ target: 'draft-2020-12' })).toEqual(
      schema['~standard'].jsonSchema.output({ target: 'draft-2020-12' }),
    );
  });

  it('validates and parses as the schema does', async () => {
    const once = withJsonSchemaOnce(schema);
    expect(await once['~standard'].validate({ message: 'hi' })).toEqual({ value: { message: 'hi' } });
    expect(await once['~standard'].validate({ message: '' })).toHaveProperty('issues');
    expect(once.safeParse({ message: 'hi' }).success).toBe(true);
    expect(once.safeParse({}).success).toBe(false);
  });
});
