import type { JsonSchema } from '../../core/tool.js';

/**
 * Returns `schema` without the named top-level properties, and without them in `required`, so
 * the model is never asked for a field the gateway supplies itself (a session id, a tenant).
 * The input schema is left untouched; an unchanged schema is returned as is.
 */
export function stripInputFields(schema: JsonSchema, fields: ReadonlySet<string>): JsonSchema {
  if (fields.size === 0) return schema;
  const { properties, required } = schema;
  const hasProperties = typeof properties === 'object' && properties !== null && !Array.isArray(properties);
  const touchesProperties = hasProperties && Object.keys(properties).some((key) => fields.has(key));
  const touchesRequired =
    Array.isArray(required) && required.some((key) => typeof key === 'string' && fields.has(key));
  if (!touchesProperties && !touchesRequired) return schema;

  const stripped: JsonSchema = { ...schema };
  if (touchesProperties) {
    stripped.properties = Object.fromEntries(
      Object.entries(properties as Record<string, unknown>).filter(([key]) => !fields.has(key)),
    );
  }
  if (touchesRequired) {
    stripped.required = (required as unknown[]).filter((key) => typeof key !== 'string' || !fields.has(key));
  }
  return stripped;
}
