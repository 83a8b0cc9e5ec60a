import type { SqlEngine } from './sql-engine.js';

/** An engine that remembers how its statements went (`watchEngineHealth`). */
export interface WatchedEngine {
  engine: SqlEngine;
  /** Whether a statement succeeded within the last `withinMs` and none failed since. */
  answeredRecently: (withinMs: number) => boolean;
}

/**
 * Wraps `engine` so that every statement's outcome is noted: the time of the last success, and
 * whether a failure came after it. Cheap (a clock read per statement); the statements and their
 * errors are passed through unchanged.
 */
export function watchEngineHealth(engine: SqlEngine, now: () => number = Date.now): WatchedEngine {
  let succeededAt = Number.NEGATIVE_INFINITY;
  let failedSince = false;
  const noted = async <Value>(work: Promise<Value>): Promise<Value> => {
    try {
      const value = await work;
      succeededAt = now();
      failedSince = false;
      return value;
    } catch (error) {
      failedSince = true;
      throw error;
    }
  };
  return {
    engine: {
      kind: engine.kind,
      location: engine.location,
      query: (text, params, prepared) => noted(engine.query(text, params, prepared)),
      transaction: (work) => noted(engine.transaction(work)),
      close: () => engine.close(),
    },
    answeredRecently: (withinMs) => !failedSince && now() - succeededAt <= withinMs,
  };
}
