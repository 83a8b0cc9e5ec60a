import { MAX_LOGGED_STRING_CHARS, escapeControlCharacters } from './clip-log-text.js';

/** Entries of one object a log entry carries (as `redactLogDetails` cuts them). */
const MAX_FLAT_ENTRIES = 100;
/** Keys whose field text one writer remembers, so a stream of new keys cannot grow it. */
const MAX_KNOWN_KEYS = 1_000;

/**
 * The JSON text of a string short enough to be logged whole, control characters escaped: each
 * string's own (flat) text is scanned, not the line they are joined into.
 */
const quoted = (text: string): string => escapeControlCharacters(JSON.stringify(text));

/** Writes the JSON line of an entry with flat details; see `createFlatJsonLines`. */
export type FlatJsonLines = (
  time: string,
  level: string,
  message: string,
  details: Record<string, unknown>,
) => string | undefined;

/**
 * Whether a details key can be written as it is, after the entry's own fields: not one of them
 * (a details `msg` replaces the entry's value in its place), not an integer-like key (an object
 * orders those first), not `__proto__` (a copy takes it as its prototype), not clipped.
 */
const isPlainKey = (key: string): boolean => {
  if (key === 'time' || key === 'level' || key === 'msg' || key === '__proto__') return false;
  const first = key.charCodeAt(0);
  return !(first >= 48 && first <= 57) && key.length <= MAX_LOGGED_STRING_CHARS;
};

/**
 * A writer of the JSON line `{"time","level","msg",…details}` of an entry whose details are
 * flat and need neither redaction (no key in `redacted`, lower-case names) nor clipping: a
 * plain object of at most 100 keys whose values are short strings, numbers, booleans, `null` or
 * `undefined`, as the request and run-end lines are. Its text is exactly what `JSON.stringify`
 * writes for the entry after `redactLogDetails`, control characters escaped
 * (`escapeControlCharacters`), as the general path writes it; built without copying the details
 * or the entry; each key's `,"key":` is made once. It returns undefined for any other details:
 * the caller takes the general path. The message it is given is already clipped; the time and
 * level (the logger's own: an ISO time, a level name) are written as they are.
 */
export function createFlatJsonLines(redacted: ReadonlySet<string>): FlatJsonLines {
  /** `,"key":` for a key written as it is, `null` for one the general path must handle. */
  const fields = new Map<string, string | null>();
  const fieldOf = (key: string): string | null => {
    let field = fields.get(key);
    if (field === undefined) {
      field = isPlainKey(key) && !redacted.has(key.toLowerCase()) ? `,${quoted(key)}:` : null;
      if (fields.size < MAX_KNOWN_KEYS) fields.set(key, field);
    }
    return field;
  };
  return (time, level, message, details) => {
    if (Object.getPrototypeOf(details) !== Object.prototype) return undefined;
    const keys = Object.keys(details);
    if (keys.length > MAX_FLAT_ENTRIES) return undefined;
    let line = `{"time":"${time}","level":"${level}","msg":${quoted(message)}`;
    for (const key of keys) {
      const field = fieldOf(key);
      if (field === null) return undefined;
      const value = details[key];
      switch (typeof value) {
        case 'string':
          if (value.length > MAX_LOGGED_STRING_CHARS) return undefined;
          line += field + quoted(value);
          break;
        case 'number':
          line += field + (Number.isFinite(value) ? String(value) : 'null');
          break;
        case 'boolean':
          line += field + String(value);
          break;
        case 'undefined':
          break;
        default:
          if (value !== null) return undefined;
          line += `${field}null`;
      }
    }
    return `${line}}`;
  };
}
