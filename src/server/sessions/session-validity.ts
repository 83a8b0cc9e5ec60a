import { HOOK_ISSUER, type SessionPrincipal } from '../../core/principal.js';
import type { SessionRecord } from '../../core/stores.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import { isSessionOwnerId } from '../contracts/session-owner.js';
import type { AuthManagerSettings } from './auth-manager-options.js';

/** Why a session is no longer valid, as the 401 says it after "Session no longer valid: ". */
export type SessionInvalidity =
  | 'its API key is no longer accepted'
  | 'its API key may no longer assert a user'
  | 'its identity provider is no longer configured';

/** Checks that what made a session valid when it opened still holds under today's settings. */
export interface SessionValidity {
  /**
   * Why the session of `identity` (a session, a token's claims, or the owner and principal of
   * background work) is no longer valid, or undefined when it still is.
   */
  invalidityOf(
    identity: Pick<SessionRecord, 'apiKeyHash' | 'user' | 'principal'>,
  ): SessionInvalidity | undefined;
}

/**
 * The validity check of `createAuthManager`. A session carries what opened it (a key's
 * fingerprint, an asserted user, a principal and its issuer and audiences) and lives on in a
 * shared store, or is restored from its token, after a restart: it is accepted only while the
 * settings would still open it. A key's session needs the key accepted (listed in
 * `validApiKeys`, when that is not empty, and API keys on); an asserted user's, the key still
 * server-side; a principal's, its issuer still configured (the `authenticate` hook, or the JWT
 * issuer with one of the token's audiences), when `principalIssuers` is given. Fingerprints are
 * computed once: each check is a few set lookups.
 */
export function createSessionValidity(settings: AuthManagerSettings): SessionValidity {
  const accepted: ReadonlySet<string> = new Set((settings.validApiKeys ?? []).map(hashApiKey));
  const serverSide: ReadonlySet<string> = new Set((settings.serverSideApiKeys ?? []).map(hashApiKey));
  const issuers = settings.principalIssuers;
  const isIssuerConfigured = (principal: SessionPrincipal): boolean => {
    if (issuers === undefined) return true;
    if (principal.issuer === HOOK_ISSUER) return issuers.authenticateHook;
    const jwt = issuers.jwt;
    if (jwt === undefined || jwt.issuer !== principal.issuer) return false;
    return (
      principal.audiences === undefined || principal.audiences.some((each) => jwt.audiences.includes(each))
    );
  };
  return {
    invalidityOf({ apiKeyHash, user, principal }) {
      if (principal !== undefined) {
        return isIssuerConfigured(principal) ? undefined : 'its identity provider is no longer configured';
      }
      if (!settings.apiKeys || (accepted.size > 0 && !accepted.has(apiKeyHash))) {
        return 'its API key is no longer accepted';
      }
      // An anonymous session's own id stands in `user` for its background work: no assertion.
      if (user !== undefined && !isSessionOwnerId(user) && !serverSide.has(apiKeyHash)) {
        return 'its API key may no longer assert a user';
      }
      return undefined;
    },
  };
}
