import type { Logger } from '../../core/logger.js';
import { consoleWarningLogger } from '../../core/logger.js';

/** A daily window `[startHour, endHour)` in local hours 0–24; start > end wraps past midnight. */
export type ActiveHours = readonly [startHour: number, endHour: number];

const hourFormatter = (timeZone: string): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });

/** The hour (0–23) of `now` in `timeZone`; an unknown zone falls back to UTC with a warning. */
function hourIn(timeZone: string, now: Date, logger: Logger): number {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = hourFormatter(timeZone);
  } catch {
    logger.warn(`Invalid heartbeat timezone '${timeZone}'; falling back to UTC`);
    formatter = hourFormatter('UTC');
  }
  const hour = Number(formatter.formatToParts(now).find((part) => part.type === 'hour')?.value);
  return Number.isInteger(hour) ? hour % 24 : now.getUTCHours();
}

/**
 * Whether `now` falls inside the active hours in the IANA zone `timeZone`, at hour resolution.
 * No window → always active; equal start and end → never active; start < end → start ≤ hour <
 * end (half-open); start > end is an overnight window → hour ≥ start or hour < end.
 */
export function isWithinActiveHours(
  activeHours: ActiveHours | null | undefined,
  timeZone: string,
  now: Date = new Date(),
  logger: Logger = consoleWarningLogger,
): boolean {
  if (activeHours === null || activeHours === undefined) return true;
  const [startHour, endHour] = activeHours;
  if (startHour === endHour) return false;
  const hour = hourIn(timeZone.trim() === '' ? 'UTC' : timeZone, now, logger);
  if (startHour < endHour) return startHour <= hour && hour < endHour;
  return hour >= startHour || hour < endHour;
}
