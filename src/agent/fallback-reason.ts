/**
 * The failures a `fallback` entry may move on for (its `when`). A refused request (bad input,
 * credentials, unknown model, context too long) and a content-policy stop are not among them:
 * another model would be refused too, or would answer what the first one declined to.
 */
export const FALLBACK_REASONS = [
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'connection',
] as const;

/** One of `FALLBACK_REASONS`. */
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

/** The client failure codes (`describeFailureForClient`, the watchdog's) of each reason. */
const REASON_OF_CODE: ReadonlyMap<string, FallbackReason> = new Map([
  ['upstream_rate_limited', 'rate_limited'],
  ['upstream_overloaded', 'overloaded'],
  ['upstream_error', 'server_error'],
  ['upstream_timeout', 'timeout'],
  ['upstream_stalled', 'timeout'],
  ['turn_timeout', 'timeout'],
  ['upstream_unavailable', 'connection'],
]);

/** The fallback reason of a failed model turn's client code, or undefined when none applies. */
export function fallbackReasonOf(code: string): FallbackReason | undefined {
  return REASON_OF_CODE.get(code);
}
