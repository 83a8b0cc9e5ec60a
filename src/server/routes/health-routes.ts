import type { Hono, MiddlewareHandler } from 'hono';
import type { CircuitSnapshot } from '../../core/circuit-breaker.js';
import type { SessionEnv } from '../http/session-middleware.js';

/** What the health routes read of the app. */
export interface HealthRouteDependencies {
  /** Whether the app's `close()` has started (readiness answers 503 from then on). */
  isClosing: () => boolean;
  /** The circuit breakers of the app's models, as they are now. */
  circuits: () => CircuitSnapshot[];
  /** Lets a request with a valid session through (401 otherwise). */
  requireSession: MiddlewareHandler<SessionEnv>;
}

/**
 * `GET /health` (liveness) and `GET /health/ready` (readiness), both public and both only a
 * status: what a load balancer needs. The circuits of the providers and models (which models
 * fail, how often) are the operator's, on `GET /health/details` with a session, and in metrics.
 */
export function mountHealthRoutes(routes: Hono<SessionEnv>, dependencies: HealthRouteDependencies): void {
  routes.get('/health', (context) => context.json({ status: 'ok' }));
  // Readiness, for load balancers: 503 from the moment a shutdown starts (liveness stays 200).
  routes.get('/health/ready', (context) =>
    dependencies.isClosing()
      ? context.json({ status: 'draining' }, 503, { 'retry-after': '1' })
      : context.json({ status: 'ready' }),
  );
  // Once a model failed, its circuit breaker's state: open or closed, failures, cool-down left.
  routes.get('/health/details', dependencies.requireSession, (context) =>
    context.json({ status: 'ok', circuits: dependencies.circuits() }),
  );
}
