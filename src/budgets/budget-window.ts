import type { BudgetWindow } from '../core/budget-gate.js';

/**
 * One budget window as an interval of time: a counter's id carries `start`, so the spend of a new
 * window goes to a new counter and nothing has to reset the old one. `total` has neither start
 * nor end.
 */
export interface WindowSpan {
  /** `day|Europe/Berlin|2026-11-27T23:00:00.000Z`, or `total`: the window part of a counter id. */
  key: string;
  /** The window's first instant (ms since the epoch); undefined for `total`. */
  start: number | undefined;
  /** The next window's first instant (ms since the epoch); undefined for `total`. */
  end: number | undefined;
}

/** Formatters by time zone: making one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterOf = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/** Whether `timeZone` is an IANA zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The wall-clock date and time of `instant` in `timeZone`, as if it were UTC (ms). */
const wallClockOf = (instant: number, timeZone: string): number => {
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
};

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
const offsetAt = (instant: number, timeZone: string): number =>
  wallClockOf(instant - (instant % 1000), timeZone) - (instant - (instant % 1000));

/**
 * The instant a local date's midnight happens in `timeZone`. The offset is read twice: once at
 * the UTC guess and once at the corrected instant, which settles days whose offset changes.
 */
const localMidnight = ({ year, month, day }: LocalDate, timeZone: string): number => {
  const asUtc = Date.UTC(year, month - 1, day);
  const first = asUtc - offsetAt(asUtc, timeZone);
  return asUtc - offsetAt(first, timeZone);
};

const localDateOf = (instant: number, timeZone: string): LocalDate => {
  const wall = new Date(wallClockOf(instant, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
};

/** `date` moved by whole days (months roll over as `Date.UTC` rolls them). */
const addDays = (date: LocalDate, days: number): LocalDate => {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
};

/** The first local date of `window` that holds `date`; weeks start on Monday (ISO 8601). */
const firstDateOf = (window: Exclude<BudgetWindow, 'total'>, date: LocalDate): LocalDate => {
  if (window === 'day') return date;
  if (window === 'month') return { ...date, day: 1 };
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
};

const nextFirstDate = (window: Exclude<BudgetWindow, 'total'>, first: LocalDate): LocalDate => {
  if (window === 'day') return addDays(first, 1);
  if (window === 'week') return addDays(first, 7);
  return first.month === 12
    ? { year: first.year + 1, month: 1, day: 1 }
    : { year: first.year, month: first.month + 1, day: 1 };
};

const TOTAL: WindowSpan = Object.freeze({ key: 'total', start: undefined, end: undefined });

/**
 * The last span found per window kind and time zone: every call of a window asks for the same
 * one until it ends, and finding it reads the zone's clock five times through `Intl` (tens of
 * microseconds), so a call inside it is answered from here.
 */
const lastSpans = new Map<string, WindowSpan>();

/**
 * The window of kind `window` in `timeZone` (IANA, e.g. `Europe/Berlin`) that holds `now`: days,
 * ISO weeks and calendar months start at local midnight, whatever the zone's offset that day.
 */
export function windowAt(window: BudgetWindow, timeZone: string, now: number): WindowSpan {
  if (window === 'total') return TOTAL;
  const cacheKey = `${window}|${timeZone}`;
  const known = lastSpans.get(cacheKey);
  if (known?.start !== undefined && known.end !== undefined && known.start <= now && now < known.end) {
    return known;
  }
  const first = firstDateOf(window, localDateOf(now, timeZone));
  const start = localMidnight(first, timeZone);
  const end = localMidnight(nextFirstDate(window, first), timeZone);
  const span: WindowSpan = Object.freeze({
    key: `${window}|${timeZone}|${new Date(start).toISOString()}`,
    start,
    end,
  });
  lastSpans.set(cacheKey, span);
  return span;
}
