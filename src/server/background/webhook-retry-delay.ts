/**
 * Pauses between attempts of one notification, in ms: the schedule Standard Webhooks
 * recommends (5 s, 5 min, 30 min, 2 h, 5 h, 10 h), then every 10 h, until the retry window
 * (`server.webhooks.retryForMs`, a day) is over.
 */
const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];

/**
 * When a notification that failed its `attempts`-th attempt (from 1) is tried again, or null
 * when that would be past `retryForMs` after it was created: it is then given up.
 */
export function nextAttemptAt(
  attempts: number,
  now: number,
  createdAt: number,
  retryForMs: number,
): number | null {
  const delay =
    RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0] ?? 5_000;
  const at = now + delay;
  return at - createdAt > retryForMs ? null : at;
}
