/**
 * About how many bytes `JSON.stringify(value)` would take, without building the string: string
 * lengths plus a few bytes per key, number and bracket. The cost is one visit per object,
 * array and value, whatever the strings' sizes (a 2.5 MB image costs what a word costs). An
 * object reached twice is counted once, so shared or cyclic structures stay finite.
 */
export function approximateJsonBytes(value: unknown): number {
  return primitiveBytes(value) ?? shallowObjectBytes(value) ?? walkedBytes(value);
}

/** What one primitive costs as JSON; undefined for an object, an array or null's absence. */
function primitiveBytes(item: unknown): number | undefined {
  if (typeof item === 'string') return item.length + 2;
  if (typeof item === 'number' || typeof item === 'bigint') return 8;
  if (typeof item === 'boolean') return 5;
  if (item === null) return 4;
  if (typeof item === 'object') return undefined;
  return 0;
}

/**
 * The size of an object whose fields are all primitives (most events: a delta, a tool call's
 * start), counted without the set and the stack of the walk; undefined for any other value.
 */
function flatObjectBytes(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  let total = 2;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const size = primitiveBytes((value as Record<string, unknown>)[key]);
    if (size === undefined) return undefined;
    total += key.length + 4 + size;
  }
  return total;
}

/**
 * The size of an object whose fields are primitives and at most one flat object (a
 * `stream_complete` and its usage), counted as the walk would, without its set and stack;
 * undefined for any other value. With one nested object nothing can be reached twice.
 */
function shallowObjectBytes(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  let total = 2;
  let nested = false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const field: unknown = (value as Record<string, unknown>)[key];
    let size = primitiveBytes(field);
    if (size === undefined) {
      if (nested) return undefined;
      nested = true;
      size = flatObjectBytes(field);
      if (size === undefined) return undefined;
    }
    total += key.length + 4 + size;
  }
  return total;
}

/** Any value: one visit per object, array and value, each object once. */
function walkedBytes(value: unknown): number {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  let total = 0;
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') total += item.length + 2;
    else if (typeof item === 'number' || typeof item === 'bigint') total += 8;
    else if (typeof item === 'boolean') total += 5;
    else if (item === null) total += 4;
    else if (typeof item === 'object' && !seen.has(item)) {
      seen.add(item);
      if (Array.isArray(item)) {
        total += 2 + item.length;
        for (const element of item) pending.push(element);
      } else {
        total += 2;
        for (const [key, field] of Object.entries(item)) {
          total += key.length + 4;
          pending.push(field);
        }
      }
    }
  }
  return total;
}
