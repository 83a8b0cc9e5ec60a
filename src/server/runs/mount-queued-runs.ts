import { randomBytes } from 'node:crypto';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { createQueuedRuns, type QueuedRuns } from './queued-runs.js';

/** What `mountQueuedRuns` needs besides the routes' context. */
export interface MountQueuedRunsOptions {
  isClosing: () => boolean;
  onClose: (close: () => void) => void;
}

/**
 * This instance's share of the database's queue of enqueued runs, for `POST /runs`, with its
 * scan for the queued runs of instances that stopped renewing them started; both stop when the
 * app closes. Undefined without `server.database` (enqueued runs then wait in memory).
 */
export function mountQueuedRuns(
  context: ProtocolRouteContext,
  options: MountQueuedRunsOptions,
): QueuedRuns | undefined {
  const { config, report } = context;
  if (config.database?.configured !== true) return undefined;
  const queuedRuns = createQueuedRuns({
    context,
    claimer: `${config.instanceId}.${randomBytes(4).toString('hex')}`,
    leaseMs: config.queuedRunLeaseMs,
    isClosing: options.isClosing,
  });
  queuedRuns.start();
  options.onClose(() => {
    queuedRuns.close().catch((error: unknown) => report(error, 'queued runs close'));
  });
  return queuedRuns;
}
