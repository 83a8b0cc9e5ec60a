/**
 * A duration in milliseconds as a person reads it: `120 ms`, `3.6 s`, `2 min`, `8.3 h`. Values
 * under a second keep their milliseconds, so a value typed in seconds into an `…Ms` option reads
 * as what it is.
 */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
