import { z } from 'zod';
import { positiveInteger } from '../../agent-spec/parse-spec.js';

/**
 * `server.queuedRuns`: how many runs accepted with `multitask: 'enqueue'` may wait for their
 * session at once. Past any of them `POST /runs` answers 429 `queue_full` naming the limit; the
 * runs already queued are kept.
 */
export const queuedRunsOptionSchema = z.strictObject({
  /** Runs one session may have waiting (10). */
  maxPerSession: positiveInteger().default(10),
  /** Runs one owner (all its sessions) may have waiting (100). */
  maxPerOwner: positiveInteger().default(100),
  /** Bytes of the request bodies one owner may have waiting, as JSON (4 MiB). */
  maxBytesPerOwner: positiveInteger().default(4 * 1024 * 1024),
});

/** `server.queuedRuns` with its defaults. */
export type QueuedRunsSettings = z.output<typeof queuedRunsOptionSchema>;

/** The settings when `server.queuedRuns` is left out. */
export const defaultQueuedRunsSettings: QueuedRunsSettings = queuedRunsOptionSchema.parse({});
