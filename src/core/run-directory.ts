/** Shared stores only: where each session's latest run lives, and on which instance. */

/**
 * Where a session's current or most recent run lives. Written by the instance that runs it,
 * read by any instance that receives `GET /chat/stream` or `POST /chat/cancel` for the session.
 */
export interface RunLocation {
  runId: string;
  sessionId: string;
  /** Id of the gateway instance that runs (or ran) it. */
  instanceId: string;
  /** True once the run wrote its terminal event (or its instance gave it up). */
  finished: boolean;
}

/**
 * Which run is the latest of each session, and on which instance. Only shared stores provide
 * one: a single process finds its runs in its own registry.
 */
export interface RunDirectory {
  /** Records `location` as the session's latest run; the entry expires after `ttlMs`. */
  setLatest(location: RunLocation, ttlMs: number): Promise<void>;
  /** The session's latest run, or undefined when none is known (or it expired). */
  getLatest(sessionId: string): Promise<RunLocation | undefined>;
  /**
   * Marks the run finished if it is still the session's latest; the entry then expires after
   * `ttlMs` (stream retention).
   */
  markFinished(sessionId: string, runId: string, ttlMs: number): Promise<void>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}
