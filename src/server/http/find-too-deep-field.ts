/**
 * Finds where a parsed JSON value nests deeper than `maxDepth` (objects and arrays each count
 * one level; the body itself is level 1). Returns the path to the offending top-level field
 * (`[]` when the body itself is an over-deep array), or undefined when the value is within the
 * limit. Iterative, so that it cannot overflow the stack on the inputs it exists to refuse.
 */
export function findTooDeepField(value: unknown, maxDepth: number): Array<string | number> | undefined {
  const stack: Array<{ value: unknown; depth: number; field: string | number | undefined }> = [
    { value, depth: 1, field: undefined },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) return item.field === undefined ? [] : [item.field];
    const entries: Array<[string | number, unknown]> = Array.isArray(item.value)
      ? item.value.map((child, index): [number, unknown] => [index, child])
      : Object.entries(item.value);
    for (const [key, child] of entries) {
      stack.push({ value: child, depth: item.depth + 1, field: item.field ?? key });
    }
  }
  return undefined;
}
