import type { Principal, SessionPrincipal } from '../../core/principal.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';

/**
 * The principal that owns `owner`'s things when it is another principal of the caller's own
 * issuer and tenant, else `undefined` (the caller itself, another tenant, another issuer, an API
 * key or its asserted user, or a caller of no tenant). This is the only way `server.authorize`
 * may widen: an owner is stored as `(hash of issuer, tenant and subject, subject)`, so the
 * owner belongs to the caller's tenant exactly when hashing the caller's issuer and tenant with
 * the owner's subject gives the stored hash back. The owner's scopes and claims are not stored:
 * the principal handed back has none.
 */
export function tenantMemberOf(
  caller: SessionPrincipal | undefined,
  owner: ThreadOwner,
): Principal | undefined {
  if (caller?.tenant === undefined || owner.user === undefined) return undefined;
  if (owner.user === caller.subject) return undefined;
  const member = identityOfPrincipal({ ...caller, subject: owner.user, scopes: [], claims: {} });
  if (member.apiKeyHash !== owner.apiKeyHash) return undefined;
  return { subject: owner.user, tenant: caller.tenant, scopes: [], claims: {} };
}
