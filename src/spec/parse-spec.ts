import { z } from 'zod';
import { GatewayError } from '../core/errors.js';
import { closestName } from './closest-name.js';

/**
 * Options of earlier versions, by their old path: what to write instead. An unknown option that
 * is listed here gets this hint rather than a spelling suggestion.
 */
export type RenamedOptions = ReadonlyMap<string, string>;

/** `schema` without its optional, nullable and default wrappers. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The object schema at `path` inside `schema` (through optional and nullable wrappers). */
function objectAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | undefined {
  let current = unwrap(schema);
  for (const key of path) {
    if (!(current instanceof z.ZodObject)) return undefined;
    current = unwrap((current.shape as Record<string, z.ZodType>)[String(key)]);
  }
  return current instanceof z.ZodObject ? current : undefined;
}

/** Every option path of `schema` (`server.jwtSecret`), for suggestions across groups. */
function allPaths(schema: z.ZodObject, prefix = ''): string[] {
  const paths: string[] = [];
  const shape: Record<string, z.ZodType> = schema.shape;
  for (const [key, child] of Object.entries(shape)) {
    const path = `${prefix}${key}`;
    paths.push(path);
    const nested = objectAt(child, []);
    if (nested !== undefined) paths.push(...allPaths(nested, `${path}.`));
  }
  return paths;
}

const joinPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** One line for an unknown key: its replacement, a near spelling, or the group it belongs to. */
function describeUnknownKey(
  schema: z.ZodObject,
  objectPath: readonly PropertyKey[],
  key: string,
  renamed: RenamedOptions,
): string {
  const path = joinPath([...objectPath, key]);
  const replacement = renamed.get(path);
  if (replacement !== undefined) return `option '${path}' was replaced: ${replacement}`;
  const siblings = Object.keys(objectAt(schema, objectPath)?.shape ?? {});
  const near = closestName(key, siblings);
  if (near !== undefined)
    return `unknown option '${path}' — did you mean '${joinPath([...objectPath, near])}'?`;
  // Right name, wrong place: `jwtSecret` at the top instead of in `server`.
  const elsewhere = allPaths(schema).find((candidate) => candidate.split('.').at(-1) === key);
  if (elsewhere !== undefined) return `unknown option '${path}' — did you mean '${elsewhere}'?`;
  return `unknown option '${path}'`;
}

function describeIssue(schema: z.ZodObject, issue: z.core.$ZodIssue, renamed: RenamedOptions): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => describeUnknownKey(schema, issue.path, key, renamed));
  }
  const path = joinPath(issue.path);
  return [`${path === '' ? 'options' : path}: ${issue.message}`];
}

/**
 * Parses options with their schema. On failure throws one `GatewayError('invalid_option')`
 * whose message starts with `caller` and lists every problem, e.g.
 * `createAgent: unknown option 'maxTurn' — did you mean 'maxTurns'?`.
 */
export function parseSpec<Schema extends z.ZodObject>(
  schema: Schema,
  value: unknown,
  caller: string,
  renamed: RenamedOptions = new Map(),
): z.output<Schema> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError('invalid_option', `${caller}: options must be an object`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.flatMap((issue) => describeIssue(schema, issue, renamed));
  throw new GatewayError('invalid_option', `${caller}: ${lines.join('; ')}`);
}

/** A function-valued option (hooks, callbacks); zod only checks that it is callable. */
export const callable = <Fn>(what = 'a function') =>
  z.custom<Fn>((value) => typeof value === 'function', { message: `must be ${what}` });

/** An object-valued option whose inside is checked by the factory that owns it. */
export const objectOf = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    message: `must be ${what}`,
  });

/** A positive whole number. */
export const positiveInteger = () => z.number().int().positive();

/** A positive number of milliseconds (or of anything else). */
export const positiveNumber = () => z.number().positive();
