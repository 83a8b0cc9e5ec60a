import { createHash } from 'node:crypto';
import type { SessionPrincipal } from '../../core/principal.js';
import { hashApiKey } from '../../stores/hash-api-key.js';

/** The fields of a session that say whose it is. */
export interface SessionIdentity {
  sessionId: string;
  apiKeyHash: string;
  user?: string;
  principal?: SessionPrincipal;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The key of a principal's owner: a hash of issuer, tenant and subject together, so two
 * tenants or two issuers that hand out the same subject never share anything. JSON keeps the
 * three apart (no separator can be forged inside a value).
 */
export const ownerKeyOfPrincipal = (
  principal: Pick<SessionPrincipal, 'issuer' | 'tenant' | 'subject'>,
): string =>
  sha256(JSON.stringify(['principal', principal.issuer, principal.tenant ?? null, principal.subject]));

/**
 * The session a principal uses when it calls without `/chat/init`: one per principal, with an
 * id derived from its owner key, so every request of the same caller (any instance, any of its
 * tokens) finds the same session, its "always allow" grants and its run lock. `apiKeyHash`
 * (the key of rate limits, budgets and ownership) is derived from the same owner key, and
 * `user` is the subject, so the owner `(apiKeyHash, user)` is unique per issuer, tenant and
 * subject.
 */
export function identityOfPrincipal(principal: SessionPrincipal): SessionIdentity {
  const ownerKey = ownerKeyOfPrincipal(principal);
  return {
    sessionId: `sess_${ownerKey.slice(0, 32)}`,
    apiKeyHash: ownerKey.slice(32, 48),
    user: principal.subject,
    principal,
  };
}

/** `identityOfPrincipal` for a session opened at `/chat/init`: its own id, the same owner. */
export function initIdentityOfPrincipal(principal: SessionPrincipal, sessionId: string): SessionIdentity {
  return { ...identityOfPrincipal(principal), sessionId };
}

/**
 * The session an API key sent as the bearer on `/api/mcp` or `/api/a2a` uses: one per key, so
 * an MCP host configured once with a static header keeps its threads and runs across requests
 * and restarts. The key acts as itself (no user), exactly as a session it opened would.
 */
export function identityOfApiKeyBearer(apiKey: string): SessionIdentity {
  return {
    sessionId: `sess_${sha256(JSON.stringify(['api-key-bearer', apiKey])).slice(0, 32)}`,
    apiKeyHash: hashApiKey(apiKey),
  };
}
