import { z } from 'zod';
import { parseOptions } from '../core/parse-options.js';
import { ToolError } from '../core/tool.js';
import type { JsonSchema, ToolContext, ToolDefinition, ToolHandler } from '../core/tool.js';

/** A tool bundled with its definition, ready for `createToolDispatcher({ tools })`. */
export interface DefinedTool {
  readonly definition: ToolDefinition;
  readonly handler: ToolHandler;
}

/** A tool the client runs (`tool({ ..., execute: 'client' })`): the run waits for its result. */
export interface ClientTool {
  readonly definition: ToolDefinition;
  readonly runsOn: 'client';
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

/** `tool()` with a JSON Schema object: the input reaches `execute` as the model sent it. */
export interface JsonSchemaToolSpec {
  name: string;
  description: string;
  /** A JSON Schema of `type: "object"`, shown to the model as it is. */
  inputSchema: JsonSchema;
  idempotent?: boolean;
  execute(input: Record<string, unknown>, context: ToolContext): unknown;
}

/** `tool()` for a tool the client executes: the run pauses until `/chat/tool-result` answers. */
export interface ClientToolSpec {
  name: string;
  description: string;
  inputSchema: z.ZodObject | JsonSchema;
  execute: 'client';
}

const isObjectJsonSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  (value as { type?: unknown }).type === 'object';

/** What `tool()` accepts, checked before anything is derived from it. */
const toolSpecSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  /** The JSON Schema the model sees: derived from a zod schema, or given as it is. */
  inputSchema: z
    .custom<z.ZodObject | JsonSchema>((value) => value instanceof z.ZodObject || isObjectJsonSchema(value), {
      message: 'must be a zod object schema or a JSON Schema with type "object"',
    })
    .transform((schema, context): JsonSchema => {
      if (!(schema instanceof z.ZodObject)) return schema;
      let generated: JsonSchema;
      try {
        generated = z.toJSONSchema(schema, { io: 'input' });
      } catch (cause) {
        context.addIssue({
          code: 'custom',
          message: `cannot be expressed as JSON Schema (${cause instanceof Error ? cause.message : String(cause)})`,
        });
        return z.NEVER;
      }
      const { $schema: _dialect, ...inputSchema } = generated;
      if (inputSchema.type !== 'object') {
        context.addIssue({ code: 'custom', message: 'must describe a JSON object' });
        return z.NEVER;
      }
      return inputSchema;
    }),
  execute: z.custom<'client' | ((...args: never[]) => unknown)>(
    (value) => value === 'client' || typeof value === 'function',
    { message: "must be a function, or 'client' for a tool the client runs" },
  ),
  idempotent: z.boolean().optional(),
});

/** `tool('name')` for error messages, or `tool()` while the name is unusable. */
const callerOf = (spec: unknown): string => {
  const name: unknown = typeof spec === 'object' && spec !== null ? Reflect.get(spec, 'name') : undefined;
  return typeof name === 'string' && name !== '' ? `tool('${name}')` : 'tool()';
};

/**
 * Declares a tool, the one way tools are given to an agent. `inputSchema` is a zod object schema
 * (the JSON Schema the model sees is derived from it and the model's input is validated against
 * it before `execute` runs) or a JSON Schema object (used as it is). `execute` is the function
 * that runs it, or `'client'` for a tool the client executes.
 *
 * Invalid input (zod) becomes a `ToolError('invalid_input')` naming each offending field, so the
 * model can correct itself. A schema zod cannot express in JSON Schema fails here, at
 * definition time.
 */
export function tool<Schema extends z.ZodObject>(spec: ToolSpec<Schema>): DefinedTool;
export function tool(spec: JsonSchemaToolSpec): DefinedTool;
export function tool(spec: ClientToolSpec): ClientTool;
export function tool(
  spec: ToolSpec<z.ZodObject> | JsonSchemaToolSpec | ClientToolSpec,
): DefinedTool | ClientTool {
  // `execute` is called on `spec` itself, so a method keeps its `this`; the parse gives the
  // JSON Schema the model sees.
  const { inputSchema: inputJsonSchema } = parseOptions(toolSpecSchema, spec, callerOf(spec));
  const { name, description, inputSchema } = spec;
  const isZod = inputSchema instanceof z.ZodObject;
  const idempotent = 'idempotent' in spec && spec.idempotent === true;
  const definition: ToolDefinition = {
    name,
    description,
    input_schema: inputJsonSchema,
    ...(idempotent ? { idempotent: true } : {}),
  };
  if (spec.execute === 'client') return { definition, runsOn: 'client' };
  // The input type of `execute` is the one its schema promises: JSON input, or zod's output.
  const execute = spec.execute.bind(spec) as (input: unknown, context: ToolContext) => unknown;
  if (!isZod) {
    return { definition, handler: (input, context) => execute(input, context) };
  }
  const handler: ToolHandler = async (input, context) => {
    const parsed = await inputSchema.safeParseAsync(input);
    if (!parsed.success) throw new ToolError('invalid_input', describeIssues(name, parsed.error.issues));
    return execute(parsed.data, context);
  };
  return { definition, handler };
}

/** Whether `value` made by `tool({ ..., execute: 'client' })`. */
export const isClientTool = (value: DefinedTool | ClientTool): value is ClientTool =>
  'runsOn' in value && value.runsOn === 'client';

function describeIssues(name: string, issues: readonly z.core.$ZodIssue[]): string {
  const details = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '(input)' : path}: ${issue.message}`;
  });
  return `Invalid input for tool '${name}': ${details.join('; ')}`;
}
