import type { CircuitSnapshot } from '../../core/circuit-breaker.js';
import type { Readiness } from '../contracts/readiness.js';
import type { RouteHandler } from '../http/route-handler.js';

/** What the health routes read of the app. */
export interface HealthRouteDependencies {
  /** Whether the app should get traffic now (draining, starting, a store out of reach). */
  readiness: () => Promise<Readiness>;
  /** Whether the app's `start()` failed (liveness then answers 503: restart the process). */
  hasStartFailed: () => boolean;
  /** The circuit breakers of the app's models, as they are now. */
  circuits: () => CircuitSnapshot[];
}

/** The handlers of the health routes. */
export interface HealthHandlers {
  live: RouteHandler;
  ready: RouteHandler;
  details: RouteHandler;
}

/** The paths (under the prefix) of the probes, which answer before the app has started. */
export const PROBE_PATHS: readonly string[] = ['/health', '/health/live', '/health/ready'];

/**
 * `GET /health` and `GET /health/live` (liveness: the process and its event loop answer, no
 * dependency is asked, so a database outage never restarts the process; 503 only once the app's
 * start has failed, since such a process serves nothing until it is restarted) and `GET /health/ready`
 * (readiness: 503 while draining, starting, or while the database, its migrations or Redis are
 * out of reach), all public and all only a status and at most a component's name: what a load
 * balancer or Kubernetes needs. The circuits of the providers and models (which models fail, how
 * often) are the operator's, on `GET /health/details` with a session, and in metrics.
 */
export function createHealthHandlers(dependencies: HealthRouteDependencies): HealthHandlers {
  const live: RouteHandler = (context) =>
    dependencies.hasStartFailed()
      ? context.json({ status: 'unavailable', component: 'startup' }, 503, { 'cache-control': 'no-store' })
      : context.json({ status: 'ok' });
  const ready: RouteHandler = async (context) => {
    const readiness = await dependencies.readiness();
    return readiness.status === 'ready'
      ? context.json(readiness)
      : context.json(readiness, 503, { 'retry-after': '1', 'cache-control': 'no-store' });
  };
  // Once a model failed, its circuit breaker's state: open or closed, failures, cool-down left.
  const details: RouteHandler = (context) =>
    context.json({ status: 'ok', circuits: dependencies.circuits() });
  return { live, ready, details };
}
