import { z } from 'zod';
import { nonBlankString, nonNegativeInteger, positiveNumber } from '../core/parse-options.js';

/*
 * The heartbeat's config, in the spec layer: `HeartbeatLoop` (headless) and the `heartbeat`
 * option of `createAgent` (server) both read it.
 */

const hour = z.number().int().min(0).max(24);

/** When and how a `HeartbeatLoop` ticks. Durations are in milliseconds. */
export const heartbeatConfigSchema = z.strictObject({
  /** Pause between ticks when the last one did not fail (default 1 800 000: 30 min). */
  intervalMs: positiveNumber().default(1_800_000),
  /** Local hours in which ticks run, e.g. `[8, 22]` or overnight `[22, 6]` (default: always). */
  activeHours: z
    .tuple([hour, hour], { error: 'must be [startHour, endHour] with whole hours from 0 to 24' })
    .readonly()
    .nullable()
    .default(null),
  /** IANA zone of `activeHours` (default 'UTC'; an unknown zone falls back to UTC with a warning). */
  timezone: z.string().default('UTC'),
  /** A response with `HEARTBEAT_OK` and at most this many other characters is quiet (default 20). */
  quietThreshold: nonNegativeInteger().default(20),
  /** Pauses after 1, 2, 3… consecutive errors, the last repeating (default 30 s, 1 min, 5 min, 15 min, 1 h). */
  backoffStepsMs: z
    .array(positiveNumber())
    .readonly()
    .default(() => [30_000, 60_000, 300_000, 900_000, 3_600_000]),
  /** Ticks are skipped while this file has only blank and `#` lines (default: no gating). */
  checklistPath: nonBlankString('a non-empty path').nullable().default(null),
  /** Where `heartbeat_state.json` lives (default: state is kept in memory only). */
  stateDir: nonBlankString('a non-empty path').nullable().default(null),
  /** Ticks to run before `start()` resolves (default: until `stop()`); ≤ 0 returns at once. */
  maxTicks: z.number().int().nullable().default(null),
});
