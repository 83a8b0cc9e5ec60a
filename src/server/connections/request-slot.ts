/** A value attached to a request by the Node listener, read later by the routes. */
export interface RequestSlot<Value> {
  get(request: Request): Value | undefined;
  set(request: Request, value: Value): void;
}

/**
 * A slot of its own on each request, under a private symbol: what a `WeakMap` keyed by the
 * request would hold, and dropped with the request the same way, but set and read as a
 * property. Why: the Node listener fills such slots for every request, and a `WeakMap` entry
 * per request (an identity hash, an ephemeron-table entry the collector must trace) cost
 * measurably more per chat than a property.
 */
export function createRequestSlot<Value>(description: string): RequestSlot<Value> {
  const key = Symbol(description);
  return {
    get: (request) => (request as unknown as Partial<Record<symbol, Value>>)[key],
    set(request, value) {
      (request as unknown as Record<symbol, Value>)[key] = value;
    },
  };
}
