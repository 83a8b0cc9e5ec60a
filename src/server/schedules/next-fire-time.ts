import { Cron } from 'croner';

/** Why `cron` in `timezone` cannot be a schedule, or undefined when it can. */
export function cronProblem(cron: string, timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return `timezone ${JSON.stringify(timezone)} is not an IANA time zone (e.g. Europe/Paris, UTC)`;
  }
  try {
    const parsed = new Cron(cron, { timezone, paused: true });
    if (parsed.nextRun(new Date()) === null) return `cron ${JSON.stringify(cron)} never fires`;
  } catch (error) {
    return `cron ${JSON.stringify(cron)} is not valid: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/**
 * The first time after `after` (unix ms) that `cron` fires in `timezone`, as croner reads it
 * (a wall-clock time skipped by a DST change is fired at the first instant after the gap, one
 * repeated is fired once); null when that is at or past `endAt`, or never. The cron must have
 * passed `cronProblem`.
 */
export function nextFireTime(
  cron: string,
  timezone: string,
  after: number,
  endAt: number | null,
): number | null {
  const next = new Cron(cron, { timezone, paused: true }).nextRun(new Date(after));
  if (next === null) return null;
  const at = next.getTime();
  return endAt !== null && at >= endAt ? null : at;
}

/** How many consecutive fires `shortestGapMs` compares. */
const GAP_SAMPLES = 120;

/**
 * The shortest time between two consecutive fires of `cron` in `timezone` among its next fires
 * after `after` (unix ms); undefined when it fires at most once. A cron's fires are the product
 * of its fields, so its densest stretch (seconds or minutes side by side, a wrap from :59 to :00)
 * shows within its next fires. The cron must have passed `cronProblem`.
 */
export function shortestGapMs(cron: string, timezone: string, after: number): number | undefined {
  const parsed = new Cron(cron, { timezone, paused: true });
  let previous = parsed.nextRun(new Date(after));
  let shortest: number | undefined;
  for (let index = 0; index < GAP_SAMPLES && previous !== null; index += 1) {
    const next = parsed.nextRun(previous);
    if (next === null) break;
    const gap = next.getTime() - previous.getTime();
    shortest = shortest === undefined ? gap : Math.min(shortest, gap);
    previous = next;
  }
  return shortest;
}
