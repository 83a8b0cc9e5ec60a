import type { Logger } from '../../core/logger.js';

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

/** The totals of a finished run for its log line: outcome, turns, tokens and cost. */
function runEndOf(result: unknown): Record<string, unknown> {
  if (typeof result !== 'object' || result === null) return {};
  const usage: unknown = Reflect.get(result, 'usage');
  const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  const field = (name: string): unknown =>
    typeof usage === 'object' && usage !== null ? Reflect.get(usage, name) : undefined;
  return {
    outcome: Reflect.get(result, 'outcome'),
    turns: number(Reflect.get(result, 'turns')),
    inputTokens: number(field('input_tokens')),
    outputTokens: number(field('output_tokens')),
    costUsd: number(field('estimated_cost')),
  };
}

/**
 * Logs the end of a run whose runner returned `result`: `run suspended` when it was suspended
 * (it waits in the database for its answers: it has not finished, and its runner's `aborted`
 * outcome says nothing), `run failed` (error level, with the failure's code) when it ended in
 * `error`, `run finished` otherwise, with its totals.
 */
export function logRunEnd(
  logger: Logger,
  ids: { runId: string; sessionId: string },
  result: unknown,
  suspended = false,
): void {
  if (suspended) {
    const { outcome: _aborted, ...totals } = runEndOf(result);
    logger.info('run suspended', { ...ids, ...totals });
    return;
  }
  const failure = failureOf(result);
  if (failure !== undefined) logger.error('run failed', { ...ids, ...runEndOf(result), ...failure });
  else logger.info('run finished', { ...ids, ...runEndOf(result) });
}
