import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';

/** What a Standard JSON Schema converter is given (`StandardJSONSchemaV1.Options`). */
type ConverterOptions = Parameters<StandardSchemaWithJSON['~standard']['jsonSchema']['input']>[0];
type Converter = (options: ConverterOptions) => Record<string, unknown>;

/** A converter that converts once per target (options carrying library options are not cached). */
function once(convert: Converter): Converter {
  const converted = new Map<string, Record<string, unknown>>();
  return (options) => {
    if (options.libraryOptions !== undefined) return convert(options);
    const known = converted.get(options.target);
    if (known !== undefined) return known;
    const json = convert(options);
    converted.set(options.target, json);
    return json;
  };
}

/**
 * `schema` whose JSON Schema (`~standard.jsonSchema`) is computed once per target instead of on
 * every call; validation and everything else are the schema's own (it is the prototype).
 *
 * Why: the MCP SDK's stateless (2026-07-28) handler builds a server per request and converts the
 * tool's input schema to JSON Schema for every `tools/call` (its cache lives on the server), which
 * was one of the largest costs of such a call. The SDK uses the result read-only, as its own cache
 * does, so one object can be handed out every time.
 */
export function withJsonSchemaOnce<Schema extends StandardSchemaWithJSON>(schema: Schema): Schema {
  const standard = schema['~standard'];
  const cached: StandardSchemaWithJSON['~standard'] = {
    ...standard,
    jsonSchema: { input: once(standard.jsonSchema.input), output: once(standard.jsonSchema.output) },
  };
  const wrapped = Object.create(schema, { '~standard': { value: cached, enumerable: false } }) as Schema;
  return wrapped;
}
