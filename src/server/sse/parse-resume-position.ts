import { HttpError } from '../../core/http-error.js';
import { RUN_ID_PATTERN_SOURCE } from '../../core/run-ids.js';

/** Where a re-attaching client wants to continue: after `seq` of run `runId` (when named). */
export interface ResumePosition {
  runId: string | undefined;
  seq: number;
}

/** `<run id>:<seq>` or `<seq>`: any run id the gateway makes or made (`src/core/run-ids.ts`). */
const pattern = new RegExp(`^(?:(${RUN_ID_PATTERN_SOURCE}):)?(\\d{1,15})$`);

/**
 * Parses a `Last-Event-ID` header or `?after=` value: `<runId>:<seq>` as the gateway sends it,
 * or a bare `<seq>` (the session's current or latest run). Absent → from the start. Anything
 * else is a 400 that says what was expected.
 */
export function parseResumePosition(value: string | undefined | null): ResumePosition {
  if (value === undefined || value === null || value.trim() === '') return { runId: undefined, seq: 0 };
  const match = pattern.exec(value.trim());
  if (match === null) {
    throw HttpError.detail(
      400,
      `Invalid Last-Event-ID ${JSON.stringify(value.slice(0, 64))}: expected "<run id>:<sequence>" as sent in the stream's id field`,
    );
  }
  return { runId: match[1], seq: Number(match[2]) };
}
