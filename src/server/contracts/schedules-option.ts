import { z } from 'zod';
import { positiveInteger, positiveNumber } from '../../agent-spec/parse-spec.js';

/**
 * `server.schedules`: how the instances fire the schedules of `/schedules` (needs
 * `server.database`). `catchUp`: a fire missed while every instance was down runs once when one
 * is back (`'one'`, the default) or not at all (`'none'`).
 */
export const schedulesOptionSchema = z.strictObject({
  catchUp: z.enum(['one', 'none']).default('one'),
  /** How often each instance looks for due fires, in ms (1 000). */
  pollIntervalMs: positiveNumber().default(1_000),
  /**
   * A fire later than this (in ms) counts as missed, for `catchUp` (60 000). A fire late by less
   * (a slow round) is fired, and so is each fire due after it, one per round: none is skipped.
   */
  missedAfterMs: positiveNumber().default(60_000),
  /**
   * How long an instance's claim of a fire holds before another instance may take it, in ms
   * (30 000): the fire of an instance that died between the claim and the run's start waits
   * this long. The run's id comes from the fire, so a fire whose run was recorded is not taken.
   */
  claimForMs: positiveNumber().default(30_000),
  /**
   * How many times a fire's run may fail to start (a database or session store that does not
   * answer) before the fire is recorded `failed` with the last error (3). Between two attempts
   * the fire waits `startRetryMs`, doubled each time, and any instance may take it then.
   */
  startAttempts: positiveInteger().default(3),
  /** The wait before a fire's first retry, in ms (5 000); doubled before each next one. */
  startRetryMs: positiveNumber().default(5_000),
  /**
   * The shortest time between two fires of one schedule, in ms (60 000): a cron that fires more
   * often (`* * * * * *`, every 30 s) is refused with 422 `schedule_too_frequent`, and a
   * schedule stored before fires at most this often.
   */
  minIntervalMs: positiveNumber().default(60_000),
  /**
   * Schedules one owner may keep (100): one more is refused with 422 `schedule_limit_reached`
   * until one is deleted.
   */
  maxPerOwner: positiveInteger().default(100),
});

/** `server.schedules` as given (every field optional). */
export type SchedulesOption = z.input<typeof schedulesOptionSchema>;

/** `server.schedules` with its defaults. */
export type SchedulesSettings = z.output<typeof schedulesOptionSchema>;

/** The settings when `server.schedules` is left out. */
export const defaultSchedulesSettings: SchedulesSettings = schedulesOptionSchema.parse({});
