import { z } from 'zod';
import { closestName } from '../../core/closest-name.js';
import { HttpError } from '../../core/http-error.js';

/** One entry of a 422 body, shaped like FastAPI's so that existing clients can read it. */
export interface ValidationErrorDetail {
  /** `'body'` followed by the path of the offending field. */
  loc: Array<string | number>;
  msg: string;
  type: string;
}

const typeNames: Record<string, { type: string; msg: string }> = {
  string: { type: 'string_type', msg: 'Input should be a valid string' },
  boolean: { type: 'bool_type', msg: 'Input should be a valid boolean' },
  number: { type: 'float_type', msg: 'Input should be a valid number' },
  int: { type: 'int_type', msg: 'Input should be a valid integer' },
  array: { type: 'list_type', msg: 'Input should be a valid list' },
  record: { type: 'dict_type', msg: 'Input should be a valid dictionary' },
  object: { type: 'dict_type', msg: 'Input should be a valid dictionary' },
};

function describeIssue(issue: z.core.$ZodIssue): { type: string; msg: string } {
  if (issue.code === 'invalid_type') {
    // JSON has no `undefined`, so an undefined input (reported thanks to `reportInput`) is a
    // key that was not sent at all.
    if (issue.input === undefined) return { type: 'missing', msg: 'Field required' };
    if (issue.path.length === 0) {
      return {
        type: 'model_attributes_type',
        msg: 'Input should be a valid dictionary or object to extract fields from',
      };
    }
    return typeNames[issue.expected] ?? { type: `${issue.expected}_type`, msg: issue.message };
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((value) => `'${String(value)}'`);
    const expected =
      allowed.length <= 1
        ? allowed.join('')
        : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1) ?? ''}`;
    const given = typeof issue.input === 'string' ? `'${issue.input}'` : JSON.stringify(issue.input);
    return { type: 'literal_error', msg: `Input should be ${expected}, not ${given}` };
  }
  if (issue.code === 'too_small' && issue.origin === 'array') {
    const minimum = Number(issue.minimum);
    const given = Array.isArray(issue.input) ? issue.input.length : 0;
    return {
      type: 'too_short',
      msg: `List should have at least ${minimum} item${minimum === 1 ? '' : 's'} after validation, not ${given}`,
    };
  }
  if (issue.code === 'too_small' && issue.origin === 'string') {
    const minimum = Number(issue.minimum);
    return {
      type: 'string_too_short',
      msg: `String should have at least ${minimum} character${minimum === 1 ? '' : 's'}`,
    };
  }
  return { type: issue.code, msg: issue.message };
}

/** Converts zod issues into FastAPI-style `detail` entries. */
export function toValidationErrorDetails(issues: readonly z.core.$ZodIssue[]): ValidationErrorDetail[] {
  return issues.map((issue) => ({
    loc: ['body', ...issue.path.map((key) => (typeof key === 'number' ? key : String(key)))],
    ...describeIssue(issue),
  }));
}

/**
 * Validates a JSON value against a request schema and returns the parsed value (defaults
 * applied). On failure throws a 422 `HttpError` whose body is FastAPI-compatible:
 * `{detail: [{loc: ['body', 'field', …], msg, type}]}`, naming each offending field.
 */
export function parseBody<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new HttpError(422, {
    detail: [...toValidationErrorDetails(parsed.error.issues), ...unknownFields(schema, value)],
  });
}

/**
 * Fields of a refused body that the schema does not know, each with the closest known name:
 * `{"message": "hi"}` is refused for its missing `messages`, and this says why. Unknown fields
 * of an accepted body are ignored, as before.
 */
function unknownFields(schema: z.ZodType, value: unknown): ValidationErrorDetail[] {
  if (
    !(schema instanceof z.ZodObject) ||
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value)
  ) {
    return [];
  }
  const known = Object.keys(schema.shape);
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .slice(0, 10)
    .map((key) => {
      const closest = closestName(key, known);
      const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
      return {
        loc: ['body', shown],
        msg: `Unknown field '${shown}'${closest === undefined ? '' : ` (did you mean '${closest}'?)`}`,
        type: 'extra_forbidden',
      };
    });
}
