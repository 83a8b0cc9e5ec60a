/**
 * A duration in ms as Redis' `EXPIRE` takes it: whole seconds, rounded up and at least one (a
 * TTL of 0 would delete the key at once). The stores' contracts count in ms; only here, at the
 * Redis boundary, does a duration become seconds.
 */
export function ttlSecondsOf(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs / 1000));
}
