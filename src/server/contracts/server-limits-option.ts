import { positiveInteger } from '../../agent-spec/parse-spec.js';

/**
 * The server options that bound what one request, key, session or stream may hold (part of
 * `server`, spread into its schema): bodies, runs and waiting answers, buffered bytes, followers.
 */
export const serverLimitsShape = {
  /** Largest accepted request body in bytes (1 MiB). */
  maxBodyBytes: positiveInteger().default(1024 * 1024),
  /** Deepest JSON nesting of a request body; deeper gets 422. */
  maxJsonDepth: positiveInteger().default(64),
  /**
   * Running runs this instance accepts at once; beyond it `POST /chat` gets 503 with
   * `retry-after`, before anything is sent upstream. A run waiting for a client's answer (an
   * approval, a client-side tool) does not count: it waits for a person, and is capped per API
   * key instead. Runs taken over from another instance are not refused, but count.
   */
  maxConcurrentRuns: positiveInteger().default(256),
  /** Runs of one API key at once, those waiting included; beyond, 429. */
  maxRunsPerApiKey: positiveInteger().default(64),
  /**
   * Tool calls of one API key waiting for a client's answer (approvals, client-side tools) at
   * once: the key's next run gets 429, a call beyond fails with `limit_reached`.
   */
  maxPendingAnswersPerApiKey: positiveInteger().default(32),
  /** Tool calls of one session waiting for an answer at once; beyond, `limit_reached`. */
  maxPendingAnswersPerSession: positiveInteger().default(16),
  /**
   * Bytes one SSE connection may hold for a client that reads slower than its run writes (1 MiB).
   * A client further behind is disconnected; the run goes on and the client resumes with
   * `Last-Event-ID` from the run's log, which holds every event.
   */
  maxBufferedBytesPerStream: positiveInteger().default(1024 * 1024),
  /** Connections that may stream one run from this instance; the next gets 429. */
  maxFollowersPerRun: positiveInteger().default(8),
};
