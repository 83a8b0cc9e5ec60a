import { z } from 'zod';
import { GatewayError } from '../core/errors.js';
import { ToolError } from '../core/tool.js';
import type { JsonSchema, ToolContext, ToolDefinition, ToolHandler } from '../core/tool.js';

/** A tool bundled with its definition, ready for `createToolDispatcher({ tools })`. */
export interface DefinedTool {
  readonly definition: ToolDefinition;
  readonly handler: ToolHandler;
}

/** What `tool()` takes: a zod object schema and an `execute` typed by it. */
export interface ToolSpec<Schema extends z.ZodObject> {
  name: string;
  description: string;
  inputSchema: Schema;
  /**
   * Running it twice with the same input has no further effect: the gateway may re-run it when
   * a run moves to another instance mid-call (default false: the model is told it was
   * interrupted instead).
   */
  idempotent?: boolean;
  /** Receives the parsed input (defaults applied); return the result or throw a `ToolError`. */
  execute(input: z.output<Schema>, context: ToolContext): unknown;
}

/**
 * Defines a tool from a zod object schema: the JSON Schema the model sees is derived from it,
 * and the handler validates the model's input against it before `execute` runs.
 *
 * JSON Schema stays the tool contract: the derived schema describes the *input* side (fields
 * with defaults are optional), without the `$schema` key. Invalid input becomes a
 * `ToolError('invalid_input')` naming each offending field, so the model can correct itself.
 * A schema zod cannot express in JSON Schema fails here, at definition time.
 */
export function tool<Schema extends z.ZodObject>(spec: ToolSpec<Schema>): DefinedTool {
  const { name, description, inputSchema } = spec;
  if (typeof name !== 'string' || name === '') {
    throw new GatewayError('invalid_option', 'tool(): `name` must be a non-empty string');
  }
  if (typeof description !== 'string') {
    throw new GatewayError('invalid_option', `tool('${name}'): \`description\` must be a string`);
  }
  if (!(inputSchema instanceof z.ZodObject)) {
    throw new GatewayError('invalid_option', `tool('${name}'): \`inputSchema\` must be a zod object schema`);
  }
  if (typeof spec.execute !== 'function') {
    throw new GatewayError('invalid_option', `tool('${name}'): \`execute\` must be a function`);
  }
  const definition: ToolDefinition = {
    name,
    description,
    input_schema: toInputJsonSchema(name, inputSchema),
    ...(spec.idempotent === true ? { idempotent: true } : {}),
  };
  const handler: ToolHandler = async (input, context) => {
    const parsed = await inputSchema.safeParseAsync(input);
    if (!parsed.success) throw new ToolError('invalid_input', describeIssues(name, parsed.error.issues));
    return spec.execute(parsed.data, context);
  };
  return { definition, handler };
}

function toInputJsonSchema(name: string, schema: z.ZodObject): JsonSchema {
  let generated: JsonSchema;
  try {
    generated = z.toJSONSchema(schema, { io: 'input' });
  } catch (cause) {
    throw new GatewayError(
      'invalid_option',
      `tool('${name}'): \`inputSchema\` cannot be expressed as JSON Schema (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
  const { $schema: _dialect, ...inputSchema } = generated;
  if (inputSchema.type !== 'object') {
    throw new GatewayError('invalid_option', `tool('${name}'): \`inputSchema\` must describe a JSON object`);
  }
  return inputSchema;
}

function describeIssues(name: string, issues: readonly z.core.$ZodIssue[]): string {
  const details = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '(input)' : path}: ${issue.message}`;
  });
  return `Invalid input for tool '${name}': ${details.join('; ')}`;
}
