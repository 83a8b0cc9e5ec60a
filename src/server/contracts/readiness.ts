/** A component whose failure makes the gateway unready, as `GET /health/ready` names it. */
export type UnreadyComponent = 'database' | 'migrations' | 'redis' | 'startup';

/**
 * What `GET /health/ready` answers: ready (200), or why not (503) with the failing component's
 * name and nothing more (no address, no error text: the route is public).
 */
export type Readiness =
  | { status: 'ready' }
  | { status: 'draining' }
  | { status: 'starting' }
  | { status: 'unavailable'; component: UnreadyComponent };
