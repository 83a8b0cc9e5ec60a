/** What an element of an array literal (`elementOf`) holds. */
export type ArrayElement = string | number | null;

/**
 * A string that may stand in an array or row literal as it is: nothing in it that either
 * syntax reads (braces, parentheses, commas, quotes, backslashes, white space) and not empty.
 * Run ids, key hashes, models, statuses, outcome codes and budget counter ids all are.
 */
const PLAIN = /^[\w.:/+=@|-]+$/;
/** An unquoted element that PostgreSQL would read as a null. */
const NULL_WORD = /^null$/i;
/** What a quoted element or field escapes with a backslash. */
export const ESCAPED = /["\\]/g;

/** Whether `value` may stand unquoted in an array or row literal (see `PLAIN`). */
export const isPlain = (value: string): boolean => PLAIN.test(value);

/**
 * `value` as one element of a PostgreSQL array literal: `NULL`, a number as it is, a string as it
 * is when it needs no quotes (`PLAIN`: no copy made), else quoted with its quotes and backslashes
 * escaped. Elements are joined once per column (`literalOf`), not appended one by one: a batch's
 * parameters then leave a few strings per column behind, not several per element.
 */
export function elementOf(value: ArrayElement | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  if (PLAIN.test(value) && !NULL_WORD.test(value)) return value;
  return `"${value.replace(ESCAPED, '\\$&')}"`;
}

/**
 * A JSON text (what `JSON.stringify` makes) as one quoted element: quoting a JSON text as a JSON
 * string escapes exactly its quotes and backslashes, as the array literal wants, since a JSON
 * text holds no raw control character to be escaped otherwise. One native call, no regular
 * expression.
 */
export const jsonElementOf = (json: string): string => JSON.stringify(json);

/**
 * Element texts (`elementOf`, `jsonElementOf`) as one PostgreSQL array literal (`{a,NULL,3}`),
 * which a statement casts to its column's array type. Built here rather than by the driver,
 * which escapes every element with two regular expressions (a third of a batch's cost on the
 * event loop, and most of its garbage).
 */
export const literalOf = (elements: readonly string[]): string => `{${elements.join(',')}}`;
