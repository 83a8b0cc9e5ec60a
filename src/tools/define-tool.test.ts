import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { isGatewayError } from '../core/errors.js';
import { ToolError } from '../core/tool.js';
import type { ToolContext } from '../core/tool.js';
import { tool } from './define-tool.js';

function contextFor(toolName: string): ToolContext {
  return {
    toolCallId: 'call_1',
    toolName,
    callIndex: 0,
    sessionId: 'session_1',
    resolvedQualifier: '',
    signal: new AbortController().signal,
    emit: () => undefined,
  };
}

async function rejectionOf(promise: unknown): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const readFile = tool({
  name: 'read_file',
  description: 'Read a file',
  inputSchema: z.object({
    path: z.string().describe('File path'),
    maxBytes: z.number().int().positive().default(1024),
    encoding: z.enum(['utf8', 'base64']).optional(),
  }),
  execute: (input) => ({ path: input.path, maxBytes: input.maxBytes, encoding: input.encoding ?? 'utf8' }),
});

describe('tool()', () => {
  it('derives the input JSON Schema from the zod schema, without $schema', () => {
    expect(readFile.definition).toEqual({
      name: 'read_file',
      description: 'Read a file',
      input_schema: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'File path' },
          maxBytes: { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 1024 },
          encoding: { type: 'string', enum: ['utf8', 'base64'] },
        },
        required: ['path'],
      },
    });
  });

  it('hands execute the parsed input with defaults applied', async () => {
    expect(await readFile.handler({ path: '/etc/hosts' }, contextFor('read_file'))).toEqual({
      path: '/etc/hosts',
      maxBytes: 1024,
      encoding: 'utf8',
    });
  });

  it('types execute input from the schema', () => {
    tool({
      name: 'typed',
      description: '',
      inputSchema: z.object({ count: z.number(), label: z.string().optional() }),
      execute(input) {
        expectTypeOf(input).toEqualTypeOf<{ count: number; label?: string | undefined }>();
        return input.count;
      },
    });
  });

  it('rejects invalid input with invalid_input naming every offending field', async () => {
    const error = await rejectionOf(readFile.handler({ maxBytes: 'lots' }, contextFor('read_file')));
    expect(error).toBeInstanceOf(ToolError);
    const toolError = error as ToolError;
    expect(toolError.code).toBe('invalid_input');
    expect(toolError.message).toMatch(/^Invalid input for tool 'read_file': /);
    expect(toolError.message).toContain('path:');
    expect(toolError.message).toContain('maxBytes:');
  });

  it('does not run execute when the input is invalid', async () => {
    let ran = false;
    const guarded = tool({
      name: 'guarded',
      description: '',
      inputSchema: z.object({ id: z.string() }),
      execute() {
        ran = true;
      },
    });
    await rejectionOf(guarded.handler({ id: 7 }, contextFor('guarded')));
    expect(ran).toBe(false);
  });

  it('passes the tool context through to execute', async () => {
    const echoContext = tool({
      name: 'whoami',
      description: '',
      inputSchema: z.object({}),
      execute: (_input, context) => context.toolCallId,
    });
    expect(await echoContext.handler({}, contextFor('whoami'))).toBe('call_1');
  });

  it('refuses a schema that is not a zod object', () => {
    const error = thrownBy(() =>
      tool({
        name: 'bad',
        description: '',
        inputSchema: z.string() as unknown as z.ZodObject,
        execute: () => null,
      }),
    );
    expect(isGatewayError(error, 'invalid_option')).toBe(true);
  });

  it('refuses a schema that JSON Schema cannot express', () => {
    const error = thrownBy(() =>
      tool({ name: 'when', description: '', inputSchema: z.object({ at: z.date() }), execute: () => null }),
    );
    expect(isGatewayError(error, 'invalid_option')).toBe(true);
    expect((error as Error).message).toContain("tool('when')");
  });

  it('refuses an empty name', () => {
    const error = thrownBy(() =>
      tool({ name: '', description: '', inputSchema: z.object({}), execute: () => null }),
    );
    expect(isGatewayError(error, 'invalid_option')).toBe(true);
    expect((error as Error).message).toMatch(/^tool\(\): name: Too small/);
  });

  it('names the tool and suggests the closest name for an unknown field', () => {
    const error = thrownBy(() =>
      tool({
        name: 'lookup',
        description: '',
        inputSchema: z.object({}),
        execute: () => null,
        idempotnt: true,
      } as never),
    );
    expect((error as Error).message).toBe(
      "tool('lookup'): unknown option 'idempotnt' — did you mean 'idempotent'?",
    );
    expect((thrownBy(() => tool({ name: 'lookup', description: 3 } as never)) as Error).message).toMatch(
      /^tool\('lookup'\): description: .*expected string.*; inputSchema: must be a zod object schema/,
    );
  });
});
