import type { SessionPrincipal } from '../../core/principal.js';

/**
 * `principal` as it may act at `nowMs`: as stored while the token that carried it lasts, and
 * after its `expiresAt` without the rights that token gave (no scopes, no claims, no audiences),
 * keeping who it is (subject, issuer, tenant). Work that outlives the token (a schedule's fire)
 * then asks `server.authorize` with what is still known, which refuses what needs a right,
 * rather than with scopes nobody vouches for any more. A principal without `expiresAt` (of the
 * `authenticate` hook) is returned as it is.
 */
export function currentRightsOf(principal: SessionPrincipal, nowMs: number): SessionPrincipal {
  if (principal.expiresAt === undefined || principal.expiresAt * 1000 > nowMs) return principal;
  const { audiences: _audiences, ...kept } = principal;
  return { ...kept, scopes: [], claims: {} };
}
