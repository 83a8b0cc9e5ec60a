import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { positiveNumber } from '../../agent-spec/parse-spec.js';

/**
 * The server options of several instances sharing one store (part of `server`, spread into its
 * schema): this instance's id, run leases, heartbeats and the hand-over of runs at shutdown.
 */
export const scaleOutShape = {
  /** Id of this instance in the run directory; without it each app picks a random one. */
  instanceId: z
    .string()
    .min(1)
    .default(() => randomBytes(6).toString('hex')),
  /**
   * With Redis: how long a run's lease lasts without renewal, in ms. The owning instance renews
   * it every third of that; once it lapses (the instance died or lost Redis) another instance
   * takes the run over. Shorter means faster takeover and more Redis writes.
   */
  runLeaseMs: positiveNumber().default(15_000),
  /**
   * With Redis: pause between two heartbeats of an instance, in ms. Each heartbeat is one round
   * trip that records the instance alive and tells whether another's runs are to be taken over.
   */
  instanceHeartbeatMs: positiveNumber().default(400),
  /**
   * With Redis: silence after which an instance's runs are taken over without waiting for their
   * leases, in ms; without it three heartbeats (at most `runLeaseMs`).
   */
  instanceSilentMs: positiveNumber().optional(),
  /**
   * With Redis: on `close()` (SIGTERM), hand running runs to the other instances instead of
   * cancelling them. Unset: hand over whenever the stores are shared (`server.store: { redis }`),
   * since another instance can then continue them; `false` cancels them as a lone instance does.
   */
  handOverRunsOnClose: z.boolean().optional(),
};
