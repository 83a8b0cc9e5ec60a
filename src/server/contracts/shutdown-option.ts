import { z } from 'zod';
import { nonNegativeNumber, positiveNumber } from '../../core/parse-options.js';

/**
 * `server.shutdown`: how `close()` (and so SIGTERM under `agent-gateway serve`) lets an instance
 * go without turning requests into errors. Readiness answers 503 from its first moment.
 */
export const shutdownOptionSchema = z.strictObject({
  /**
   * How long the instance keeps serving every request after a shutdown began, readiness
   * answering 503, before it stops accepting connections, in ms (0). Behind Kubernetes or a
   * balancer that probes, set it above the time they take to stop sending traffic (a few seconds):
   * a request sent in that gap is then served, not refused.
   */
  drainDelayMs: nonNegativeNumber().default(0),
  /**
   * How long the runs still under way get to end, be suspended or be handed over once the
   * instance stops accepting, in ms (10 000); each bounded wait of the drain fits in it. Keep
   * `drainDelayMs` plus this below the orchestrator's grace period (Kubernetes'
   * `terminationGracePeriodSeconds`).
   */
  timeoutMs: positiveNumber().default(10_000),
});

/** `server.shutdown` with its defaults. */
export type ShutdownSettings = z.output<typeof shutdownOptionSchema>;
