import { z } from 'zod';
import { closestName } from './closest-name.js';
import { GatewayError } from './errors.js';

/**
 * Options of earlier versions, by their old path: what to write instead. An unknown option that
 * is listed here gets this hint rather than a spelling suggestion.
 */
export type RenamedOptions = ReadonlyMap<string, string>;

/** `schema` without its optional, nullable, default and prefault wrappers. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault
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
  // A bad record key says only "Invalid key in record"; its own issue says why.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  // A check of the options as a whole (two options that exclude each other) names them itself.
  return [path === '' ? message : `${path}: ${message}`];
}

/** The `GatewayError('invalid_option')` of `caller`, for a check no schema can express. */
export function invalidOption(caller: string, problem: string): GatewayError {
  return new GatewayError('invalid_option', `${caller}: ${problem}`);
}

/** `a string`, `null`, `an array`: what was passed instead of an options object. */
const describeValueType = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'undefined'
        ? 'nothing'
        : `a ${typeof value}`;

/**
 * Parses options with their schema and returns them with the schema's defaults applied. On
 * failure throws one `GatewayError('invalid_option')` whose message starts with `caller` and
 * lists every problem, e.g. `createAgent: unknown option 'maxTurn' — did you mean 'maxTurns'?`
 * or `runAgent: maxTurns: Too small: expected number to be >0`. `usage` shows the shape of a
 * call when `value` is not an object at all (the first error of a caller written for an older
 * signature), e.g. `createAgent({ systemPrompt: '...' })`.
 */
export function parseOptions<Schema extends z.ZodObject>(
  schema: Schema,
  value: unknown,
  caller: string,
  renamed: RenamedOptions = new Map(),
  usage?: string,
): z.output<Schema> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(
      caller,
      usage === undefined
        ? 'options must be an object'
        : `takes one options object, got ${describeValueType(value)}: ${usage}`,
    );
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.flatMap((issue) => describeIssue(schema, issue, renamed));
  throw invalidOption(caller, lines.join('; '));
}

/**
 * Checks one value that is not an options object (an argument, an environment variable) with
 * its schema; on failure throws `GatewayError('invalid_option')` from `caller` with the schema's
 * messages, e.g. `forSession: sessionId must be a non-empty string`.
 */
export function parseValue<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  caller: string,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidOption(caller, [...new Set(parsed.error.issues.map((issue) => issue.message))].join('; '));
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

/** A whole number ≥ 0 (counts that may be zero). */
export const nonNegativeInteger = () => z.number().int().min(0);

/** A number ≥ 0 (waits that may be zero). */
export const nonNegativeNumber = () => z.number().min(0);

/** A string with something other than white space in it. */
export const nonBlankString = (what = 'a non-empty string') =>
  z.string().refine((value) => value.trim() !== '', { message: `must be ${what}` });

/**
 * An array, a Set or another iterable of strings (never a string itself), read once into an
 * array, so a generator is not consumed by the check.
 */
export const stringIterable = () =>
  z
    .custom<Iterable<string>>(
      (value) => typeof value === 'object' && value !== null && Symbol.iterator in value,
      { message: 'must be an array or a Set of strings' },
    )
    .transform((value) => [...value])
    .pipe(z.array(z.string()));

/**
 * An object that implements an interface, recognised by its methods (`Provider` by `stream`);
 * the object itself is kept, never copied.
 */
export const implementing = <T>(what: string, methods: readonly string[]) =>
  z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof Reflect.get(value, method) === 'function'),
    { message: `must be ${what}` },
  );

/**
 * Checks one positional argument (a path, a name) with its schema and returns the parsed
 * value; throws `GatewayError('invalid_option')` as `caller: name <problem>`, e.g.
 * `createSkillLoader: directory must be a non-empty path`.
 */
export function parseArgument<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  caller: string,
  name: string,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidOption(caller, `${name} ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
}

/** A string with something other than white space in it, with one message for every failure. */
export const nonBlankArgument = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .refine((value) => value.trim() !== '', { message: `must be ${what}` });
