import type { Logger } from '../../core/logger.js';
import type { RunSuspension } from '../../core/run-suspension.js';

/**
 * The failure of a run result, when the runner returns `runAgent`'s result shape
 * and the run ended in `error`; custom runners may return anything.
 */
function failureOf(result: unknown): { code: string; error: string } | undefined {
  if (typeof result !== 'object' || result === null || Reflect.get(result, 'outcome') !== 'error')
    return undefined;
  const code: unknown = Reflect.get(result, 'errorCode');
  const error: unknown = Reflect.get(result, 'error');
  return {
    code: typeof code === 'string' ? code : 'internal_error',
    error: typeof error === 'string' ? error : 'unknown error',
  };
}

const numberOrUndefined = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : undefined;

/**
 * The ids and totals of a finished run for its log line (outcome, turns, tokens and cost), in
 * one object: a log line per run, so nothing is spread or made twice.
 */
function runEndOf(ids: { runId: string; sessionId: string }, result: unknown): Record<string, unknown> {
  if (typeof result !== 'object' || result === null) return { runId: ids.runId, sessionId: ids.sessionId };
  const usage: unknown = Reflect.get(result, 'usage');
  const totals = typeof usage === 'object' && usage !== null ? usage : undefined;
  return {
    runId: ids.runId,
    sessionId: ids.sessionId,
    outcome: Reflect.get(result, 'outcome'),
    turns: numberOrUndefined(Reflect.get(result, 'turns')),
    inputTokens: numberOrUndefined(totals && Reflect.get(totals, 'input_tokens')),
    outputTokens: numberOrUndefined(totals && Reflect.get(totals, 'output_tokens')),
    costUsd: numberOrUndefined(totals && Reflect.get(totals, 'estimated_cost')),
  };
}

/**
 * Logs the end of a run whose runner returned `result`: `run suspended` (info, with the calls it
 * waits for) when `suspension` says it was suspended (it waits in the database for its answers:
 * it has not finished, and its runner's `aborted` outcome says nothing), `run failed` (error
 * level, with the failure's code) when it ended in `error`, `run finished` otherwise, with its
 * totals.
 */
export function logRunEnd(
  logger: Logger,
  ids: { runId: string; sessionId: string },
  result: unknown,
  suspension?: RunSuspension,
): void {
  const line = runEndOf(ids, result);
  if (suspension !== undefined) {
    delete line['outcome'];
    line['waitsFor'] = suspension.waitsFor.map((call) => ({ ...call }));
    logger.info('run suspended', line);
    return;
  }
  const failure = failureOf(result);
  if (failure === undefined) return logger.info('run finished', line);
  line['code'] = failure.code;
  line['error'] = failure.error;
  logger.error('run failed', line);
}
