/** How deep `sampleInput` follows nested schemas before it gives up with `null`. */
const MAX_DEPTH = 6;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A plausible string for a property, by its name and format. */
const sampleString = (name: string, schema: Record<string, unknown>): string => {
  const format = schema['format'];
  if (format === 'email' || /e-?mail/i.test(name)) return 'ada@example.com';
  if (format === 'uri' || format === 'url' || /url|link/i.test(name)) return 'https://example.com';
  if (format === 'date') return '2026-01-01';
  if (format === 'date-time') return '2026-01-01T09:00:00Z';
  if (/file|path/i.test(name)) return 'demo.txt';
  if (/city|location|place/i.test(name)) return 'Lisbon';
  const minimum = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const text = name === '' ? 'demo' : `demo ${name}`;
  return text.padEnd(minimum, '.');
};

/**
 * A value that satisfies the common parts of a JSON Schema (type, enum, const, required
 * properties, array bounds, numeric bounds), for a demo model that must call any tool with
 * valid-looking input. Anything it cannot read becomes `null`.
 */
export function sampleInput(schema: unknown, name = '', depth = 0): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return null;
  if ('const' in schema) return schema['const'];
  const choices = schema['enum'];
  if (Array.isArray(choices) && choices.length > 0) return choices[0];
  if (schema['default'] !== undefined) return schema['default'];
  const alternatives: unknown = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(alternatives)) {
    const chosen: unknown = alternatives.find((option) => isRecord(option) && option['type'] !== 'null');
    return sampleInput(chosen ?? alternatives[0], name, depth + 1);
  }
  const declared: unknown = schema['type'];
  const type: unknown = Array.isArray(declared) ? declared.find((entry) => entry !== 'null') : declared;
  switch (type) {
    case 'string':
      return sampleString(name, schema);
    case 'integer':
    case 'number': {
      const minimum = schema['minimum'] ?? schema['exclusiveMinimum'];
      return typeof minimum === 'number' ? Math.ceil(minimum) + (type === 'integer' ? 1 : 0.5) : 3;
    }
    case 'boolean':
      return true;
    case 'array': {
      const count = typeof schema['minItems'] === 'number' ? Math.max(1, schema['minItems']) : 1;
      return Array.from({ length: count }, () => sampleInput(schema['items'], name, depth + 1));
    }
    case 'object':
    case undefined: {
      const properties = isRecord(schema['properties']) ? schema['properties'] : {};
      const required = Array.isArray(schema['required']) ? schema['required'] : Object.keys(properties);
      const value: Record<string, unknown> = {};
      for (const key of required) {
        if (typeof key === 'string') value[key] = sampleInput(properties[key], key, depth + 1);
      }
      return value;
    }
    default:
      return null;
  }
}
