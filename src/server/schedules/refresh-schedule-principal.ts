import type { SessionPrincipal } from '../../core/principal.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import { callThreadStore } from '../threads/call-thread-store.js';

/**
 * The principal signed in again (`/chat/init` with its token): its schedules act from now on as
 * what this token says (tenant, scopes, claims), as they do after a call to the schedule routes.
 * One statement, and only where the stored principal differs; in the background, so that signing
 * in never waits for it, and a failure is reported only. Nothing without a database.
 */
export function refreshSchedulePrincipal(
  database: GatewayDatabase | undefined,
  principal: SessionPrincipal,
  report: (error: unknown, where: string) => void,
): void {
  if (database === undefined) return;
  const identity = identityOfPrincipal(principal);
  const owner = {
    apiKeyHash: identity.apiKeyHash,
    ...(identity.user === undefined ? {} : { user: identity.user }),
  };
  callThreadStore(database, report, async (_store, stores) =>
    stores.schedules?.refreshPrincipal(owner, principal, undefined),
  ).catch((error: unknown) => report(error, 'schedule principal refresh'));
}
