import { createHash } from 'node:crypto';
import { HttpError } from '../../core/http-error.js';
import { isSessionOwnerId, SESSION_OWNER_PREFIX } from '../contracts/session-owner.js';
import type { AuthManagerSettings } from './auth-manager-options.js';

/** Which API keys open sessions, and which of them may assert an end user. */
export interface ApiKeyGate {
  /**
   * Throws the `HttpError` that refuses `apiKey` (acting for `user` when given) a session: keys
   * off, missing, not listed, a `user` shaped like a session owner's id, or asserted by a key
   * that is not server-side.
   */
  admit(apiKey: string, user: string | undefined): void;
  /** Whether `apiKey` is one of `validApiKeys` (false when the list is empty or keys are off). */
  isListed(apiKey: string): boolean;
}

function fullHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * The API-key gate of `createAuthManager`. Allowed keys are kept only as SHA-256 digests and
 * looked up by digest, so the comparison time says nothing about the keys.
 */
export function createApiKeyGate(settings: AuthManagerSettings): ApiKeyGate {
  const allowedKeyDigests: ReadonlySet<string> = new Set((settings.validApiKeys ?? []).map(fullHash));
  const serverSideKeyDigests: ReadonlySet<string> = new Set((settings.serverSideApiKeys ?? []).map(fullHash));
  return {
    admit(apiKey, user) {
      if (!settings.apiKeys) {
        throw HttpError.detail(
          401,
          'API keys are not accepted (server.auth.apiKeys is off): send a bearer token',
        );
      }
      if (typeof apiKey !== 'string' || apiKey === '') throw HttpError.detail(401, 'Missing API key');
      if (allowedKeyDigests.size > 0 && !allowedKeyDigests.has(fullHash(apiKey))) {
        throw HttpError.detail(401, 'Invalid API key');
      }
      if (user !== undefined && isSessionOwnerId(user)) {
        throw new HttpError(422, {
          detail: `"user" must not start with "${SESSION_OWNER_PREFIX}": those are the ids of session owners`,
          code: 'invalid_user',
        });
      }
      // A key that ships in a browser must not let anyone claim to be anyone.
      if (user !== undefined && !serverSideKeyDigests.has(fullHash(apiKey))) {
        throw new HttpError(403, {
          detail:
            'This API key may not assert a user: only keys listed in server.serverSideApiKeys may send "user"',
          code: 'user_assertion_forbidden',
        });
      }
    },
    isListed(apiKey) {
      return settings.apiKeys && allowedKeyDigests.size > 0 && allowedKeyDigests.has(fullHash(apiKey));
    },
  };
}
