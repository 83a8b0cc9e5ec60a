import { z } from 'zod';
import { positiveNumber } from '../../agent-spec/parse-spec.js';

/**
 * `server.schedules`: how the instances fire the schedules of `/schedules` (needs
 * `server.database`). `catchUp`: a fire missed while every instance was down runs once when one
 * is back (`'one'`, the default) or not at all (`'none'`).
 */
export const schedulesOptionSchema = z.strictObject({
  catchUp: z.enum(['one', 'none']).default('one'),
  /** How often each instance looks for due fires, in ms (1 000). */
  pollIntervalMs: positiveNumber().default(1_000),
  /** A fire later than this (in ms) counts as missed, for `catchUp` (60 000). */
  missedAfterMs: positiveNumber().default(60_000),
});

/** `server.schedules` with its defaults. */
export type SchedulesSettings = z.output<typeof schedulesOptionSchema>;

/** The settings when `server.schedules` is left out. */
export const defaultSchedulesSettings: SchedulesSettings = schedulesOptionSchema.parse({});
