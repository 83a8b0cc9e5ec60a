/**
 * The deepest limit checked by recursion (`isWithin`): its stack is at most this deep, far from
 * overflowing. The default `server.maxJsonDepth` is 64.
 */
const MAX_RECURSIVE_DEPTH = 256;

/**
 * Whether `value` (an object or array at level 1) nests no deeper than `levelsLeft`. Recursive to
 * at most `levelsLeft` frames, and allocates nothing (`for…in` over own keys, no key arrays).
 */
function isWithin(value: object, levelsLeft: number): boolean {
  if (levelsLeft < 1) return false;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    for (let index = 0; index < items.length; index += 1) {
      const child = items[index];
      if (typeof child === 'object' && child !== null && !isWithin(child, levelsLeft - 1)) return false;
    }
    return true;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const child = record[key];
    if (typeof child === 'object' && child !== null && !isWithin(child, levelsLeft - 1)) return false;
  }
  return true;
}

/**
 * Finds where a parsed JSON value nests deeper than `maxDepth` (objects and arrays each count
 * one level; the body itself is level 1). Returns the path to the offending top-level field
 * (`[]` when the body itself is an over-deep array), or undefined when the value is within the
 * limit. Iterative, so that it cannot overflow the stack on the inputs it exists to refuse.
 *
 * Runs on every request body: only objects and arrays go on the stack (three parallel arrays,
 * no entry objects), visited in the same order as a stack of every value would.
 */
export function findTooDeepField(value: unknown, maxDepth: number): Array<string | number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // Most bodies are well within the limit: told so without allocating; the walk below names the field.
  if (maxDepth <= MAX_RECURSIVE_DEPTH && isWithin(value, maxDepth)) return undefined;
  const values: object[] = [value];
  const depths: number[] = [1];
  const fields: Array<string | number | undefined> = [undefined];
  for (let top = values.pop(); top !== undefined; top = values.pop()) {
    const depth = depths.pop() ?? 1;
    const field = fields.pop();
    if (depth > maxDepth) return field === undefined ? [] : [field];
    if (Array.isArray(top)) {
      const items: unknown[] = top;
      for (let index = 0; index < items.length; index += 1) {
        const child = items[index];
        if (typeof child !== 'object' || child === null) continue;
        values.push(child);
        depths.push(depth + 1);
        fields.push(field ?? index);
      }
      continue;
    }
    for (const key of Object.keys(top)) {
      const child: unknown = (top as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null) continue;
      values.push(child);
      depths.push(depth + 1);
      fields.push(field ?? key);
    }
  }
  return undefined;
}
