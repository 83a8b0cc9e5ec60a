import type { RunOptions, RunResult } from '../agent/agent-loop-input.js';
import type { EventLog } from '../agent/event-log.js';
import { createLinkedAbortController } from '../agent/linked-abort-controller.js';
import type { Logger } from '../core/logger.js';
import { consoleWarningLogger } from '../core/logger.js';
import { GatewayError } from '../core/errors.js';
import type { SystemPrompt } from '../core/messages.js';
import { collectRunOutput } from './collect-run-output.js';
import type { RunOutput } from './run-output.js';
import { parseOptions } from '../core/parse-options.js';
import {
  RENAMED_RUN_SESSION_OPTIONS,
  RUN_SESSION_USAGE,
  runSessionOptionsSchema,
} from './run-session-options.js';

/** Options of `runSession`. */
export interface RunSessionOptions {
  /** Runs the agent loop once, writing to `eventLog` (`runAgent` with the session's settings). */
  run: (input: RunOptions) => Promise<RunResult>;
  eventLog: EventLog;
  initialMessage: string;
  systemPrompt?: SystemPrompt | undefined;
  /** Overrides the runner's model. */
  model?: string | undefined;
  /** Overrides the runner's turn limit. */
  maxTurns?: number | undefined;
  /** Wall-clock limit; reaching it aborts the run and sets `timedOut`. */
  timeoutMs: number;
  /** Cancels the run; `runSession` then rejects with `GatewayError('aborted')`. */
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

const describeThrown = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;

/**
 * Runs one headless session: a single user message, under a wall-clock timeout, then the
 * output collected from the event log.
 *
 * The timeout aborts the run through its signal, so the provider request and running tools
 * stop at once and nothing keeps running after the output is returned; the text streamed so
 * far stays in `response`. An exception from the runner becomes `error` ("Name: message")
 * unless the log already carries one. Cancellation by `signal` is not an outcome: it rejects.
 * The options are checked first (`GatewayError('invalid_option')`, with 0.1.0's `runner` and
 * `timeoutSeconds` named with their replacements).
 */
export async function runSession(sessionOptions: RunSessionOptions): Promise<RunOutput> {
  const options = parseOptions(
    runSessionOptionsSchema,
    sessionOptions,
    'runSession',
    RENAMED_RUN_SESSION_OPTIONS,
    RUN_SESSION_USAGE,
  );
  const { run, eventLog, timeoutMs, signal } = options;
  const logger = options.logger ?? consoleWarningLogger;
  const controller = createLinkedAbortController(signal);
  let timeoutFired = false;
  const timer = setTimeout(() => {
    timeoutFired = true;
    controller.abort(new GatewayError('aborted', `run timed out after ${timeoutMs / 1000}s`));
  }, timeoutMs);

  let aborted = false;
  let thrownError: string | null = null;
  let failureDetail: string | undefined;
  try {
    const result = await run({
      messages: [{ role: 'user', content: options.initialMessage }],
      systemPrompt: options.systemPrompt,
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
      signal: controller.signal,
    });
    aborted = result.outcome === 'aborted';
    if (result.outcome === 'error') failureDetail = result.error;
  } catch (error) {
    thrownError = describeThrown(error);
    logger.error(`Autonomous run failed: ${thrownError}`);
  } finally {
    clearTimeout(timer);
    controller.dispose();
  }

  const interrupted = aborted || thrownError !== null;
  if (signal?.aborted === true && !timeoutFired && interrupted) {
    throw new GatewayError('aborted', 'the autonomous run was aborted', { cause: signal.reason });
  }
  const timedOut = timeoutFired && interrupted;
  if (timedOut) logger.warn(`Autonomous run timed out after ${timeoutMs / 1000}s`);
  const output = collectRunOutput(eventLog.entries(), timedOut);
  if (thrownError !== null && !output.error) output.error = thrownError;
  // A headless run reports to its operator, not to a client: the full upstream detail, which
  // the stream's `error` event (a fixed sentence per code) leaves out.
  if (failureDetail !== undefined) output.error = failureDetail;
  return output;
}
