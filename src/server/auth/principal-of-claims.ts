import type { Principal } from '../../core/principal.js';
import type { JwtSettings } from '../contracts/auth-option.js';

/** Why a verified token still names nobody we can own things for. */
export class PrincipalClaimError extends Error {}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** `scope` as OAuth writes it (space-separated) or `scp` as Entra and Okta do (an array). */
const scopesOf = (value: unknown): string[] => {
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(value)) return value.filter(isNonEmptyString);
  return [];
};

/**
 * Reads the caller out of a token's verified claims: `sub`, the tenant from `org_id` (Auth0
 * organisations, Clerk) or `tenant`, and the scopes from `scope` or `scp`; `settings.claims`
 * renames any of them or replaces the mapping with a function. Throws `PrincipalClaimError`
 * when no subject is found: a token that names nobody must not own anything.
 */
export function principalOfClaims(
  claims: Record<string, unknown>,
  settings: Pick<JwtSettings, 'claims'>,
): Principal {
  const mapping = settings.claims;
  if (typeof mapping === 'function') {
    const mapped = mapping(claims);
    if (mapped === null || !isNonEmptyString(mapped.subject)) {
      throw new PrincipalClaimError('the claims mapping returned no subject');
    }
    return mapped;
  }
  const subject = claims[mapping?.subject ?? 'sub'];
  if (!isNonEmptyString(subject)) throw new PrincipalClaimError('the token has no subject');
  const tenant =
    mapping?.tenant === undefined ? (claims['org_id'] ?? claims['tenant']) : claims[mapping.tenant];
  const scopes =
    mapping?.scopes === undefined
      ? scopesOf(claims['scope'] ?? claims['scp'])
      : scopesOf(claims[mapping.scopes]);
  return { subject, ...(isNonEmptyString(tenant) ? { tenant } : {}), scopes, claims };
}
