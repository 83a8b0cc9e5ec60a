import type { ErrorEvent } from './events.js';

/**
 * Code of the terminal `error` a reader gets when it resumes from a position whose following
 * events the gateway no longer keeps (a finished run's log was cut to its retention limits).
 */
export const STREAM_TRUNCATED = 'stream_truncated';

/** Joined once: every finished run asks for the event (`RunRegistry`), rarely to use it. */
const STREAM_TRUNCATED_MESSAGE =
  'The events after this position are no longer kept: the finished run held more than ' +
  'maxRetainedBytesPerRun, or the instance more than maxRetainedBytes. Load the conversation ' +
  'again instead of resuming.';

/**
 * The terminal event a reader gets instead of a silent gap when it resumes from before the part
 * of a run's log that is still kept. It names the settings that bound what is kept, so an
 * operator knows what to raise.
 */
export function streamTruncatedEvent(): ErrorEvent {
  return { type: 'error', error: STREAM_TRUNCATED_MESSAGE, code: STREAM_TRUNCATED };
}
