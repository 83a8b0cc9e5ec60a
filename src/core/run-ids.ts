/**
 * The run ids the gateway makes, and the one syntax every reader of a run id accepts (stream
 * positions, MCP event ids). Three namespaces that no id shares:
 *
 * - a drawn id (`newRunId`): 12 hex digits of its draw time (milliseconds since the epoch) then
 *   24 of 96 random bits, 36 lowercase hex digits in all. Two drawn ids are equal only when they
 *   were drawn in the same millisecond (as the drawing instances' clocks read it);
 * - a drawn id of an older version: 24 hex digits (96 random bits) or 12 (48 random bits, and
 *   the schedule fires of those versions), still read from the records they left;
 * - a schedule fire's id (`runIdOfFire`): `fire_`, the schedule's id, `_` and the due time in
 *   decimal milliseconds. No drawn id holds `_`.
 *
 * All are URL-safe and hold neither `:` nor `.`, which separate them from sequence numbers in
 * stream ids.
 */

/** The digits of a drawn id's time: milliseconds since the epoch, good until the year 10889. */
export const RUN_ID_TIME_DIGITS = 12;

/** A schedule id a fire's run id can carry: URL-safe, and short enough for every key it names. */
const SCHEDULE_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The source of a pattern that matches exactly the run ids above (for a group in a larger one). */
export const RUN_ID_PATTERN_SOURCE =
  '[0-9a-f]{36}|[0-9a-f]{24}|[0-9a-f]{12}|fire_[A-Za-z0-9_-]{1,100}_(?:0|[1-9][0-9]{0,15})';

/**
 * The run id of the fire of `scheduleId` due at `dueAt` (ms since the epoch): the same on every
 * instance, so that a fire taken again after its instance died is known by its run, and distinct
 * for every fire (the schedule's id and the due time are both in it, and the due time is the
 * digits after its last `_`), like the `schedule_fires` row it names. Throws on a schedule id
 * outside the gateway's syntax or a due time that is not a whole, non-negative millisecond.
 */
export function runIdOfFire(scheduleId: string, dueAt: number): string {
  if (!SCHEDULE_ID.test(scheduleId))
    throw new Error(`a schedule id such as ${scheduleId} has no fire run id`);
  if (!Number.isSafeInteger(dueAt) || dueAt < 0) throw new Error(`a fire due at ${dueAt} has no run id`);
  return `fire_${scheduleId}_${dueAt}`;
}

/** The draw time (ms since the epoch) a drawn run id carries; undefined for every other id. */
export function drawTimeOfRunId(runId: string): number | undefined {
  if (runId.length !== 36 || !/^[0-9a-f]{36}$/.test(runId)) return undefined;
  return Number.parseInt(runId.slice(0, RUN_ID_TIME_DIGITS), 16);
}
