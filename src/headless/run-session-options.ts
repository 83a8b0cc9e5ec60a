import { z } from 'zod';
import type { RunOptions, RunResult } from '../agent/agent-loop-input.js';
import { EventLog } from '../agent/event-log.js';
import type { Logger } from '../core/logger.js';
import {
  callable,
  implementing,
  nonBlankString,
  positiveInteger,
  positiveNumber,
  type RenamedOptions,
} from '../core/parse-options.js';
import { systemPromptSchema } from '../agent-spec/agent-spec.js';

/**
 * `runSession`'s options, checked like every entry point's: unknown keys get the closest known
 * name, and 0.1.0's names get their replacement.
 */
export const runSessionOptionsSchema = z.strictObject({
  /** Runs the agent loop once, writing to `eventLog` (`runAgent` with the session's settings). */
  run: callable<(input: RunOptions) => Promise<RunResult>>(
    'a function (input) => runAgent({ ...settings, ...input })',
  ),
  eventLog: z.instanceof(EventLog, { message: 'must be an EventLog' }),
  initialMessage: nonBlankString('the user message'),
  systemPrompt: systemPromptSchema.optional(),
  /** Overrides the runner's model. */
  model: z.string().min(1).optional(),
  /** Overrides the runner's turn limit. */
  maxTurns: positiveInteger().optional(),
  /** Wall-clock limit in ms; reaching it aborts the run and sets `timedOut`. */
  timeoutMs: positiveNumber(),
  /** Cancels the run; `runSession` then rejects with `GatewayError('aborted')`. */
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  logger: implementing<Logger>('a Logger', ['warn', 'error']).optional(),
});

/** Options of 0.1.0's `runSession` and what replaced them. */
export const RENAMED_RUN_SESSION_OPTIONS: RenamedOptions = new Map([
  ['runner', "use 'run': a function (input) => runAgent({ ...settings, ...input })"],
  ['timeoutSeconds', "use 'timeoutMs' (milliseconds)"],
]);

/** The shape of a call, for a caller that passes anything but one object. */
export const RUN_SESSION_USAGE =
  "runSession({ run: (input) => runAgent({ ...settings, ...input }), eventLog, initialMessage: '...', timeoutMs: 600000 })";
