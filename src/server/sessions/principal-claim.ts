import type { SessionPrincipal } from '../../core/principal.js';

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isOptionalTime = (value: unknown): value is number | undefined =>
  value === undefined || (typeof value === 'number' && Number.isFinite(value));

/**
 * The `principal` claim of a session token read back: undefined when the token has none (a
 * session of an API key), null when it is not a principal (the payload is then invalid). The
 * token is ours and its signature already checked; the shape is checked all the same, so a
 * session restored from it is never half a principal.
 */
export function principalOfTokenClaim(claim: unknown): SessionPrincipal | undefined | null {
  if (claim === undefined) return undefined;
  if (!isRecord(claim)) return null;
  const { subject, issuer, tenant, scopes, claims, audiences, expiresAt, issuedAt } = claim;
  if (
    typeof subject !== 'string' ||
    typeof issuer !== 'string' ||
    (tenant !== undefined && typeof tenant !== 'string') ||
    !isStringArray(scopes) ||
    !isRecord(claims) ||
    (audiences !== undefined && !isStringArray(audiences)) ||
    !isOptionalTime(expiresAt) ||
    !isOptionalTime(issuedAt)
  ) {
    return null;
  }
  return {
    subject,
    issuer,
    ...(tenant === undefined ? {} : { tenant }),
    scopes,
    claims,
    ...(audiences === undefined ? {} : { audiences }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(issuedAt === undefined ? {} : { issuedAt }),
  };
}
