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
