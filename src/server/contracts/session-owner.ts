import { createHash } from 'node:crypto';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import { SESSION_OWNER_PREFIX } from '../../core/cap-owner.js';
import { ChurnMap } from '../../core/churn-map.js';
import { evictOldest } from '../../core/evict-oldest.js';

export { isSessionOwnerId, SESSION_OWNER_PREFIX } from '../../core/cap-owner.js';

/**
 * The owner of everything a session makes: threads, runs, approvals, A2A tasks and contexts,
 * MCP sessions. A session acting for an end user (asserted by a server-side key) shares that
 * user's things with the user's other sessions of the same key. A session without one owns its
 * things itself: two clients that type the same key never share an owner, and the key alone
 * owns nothing a session made. A run resumed in a session of its own carries its owner's id in
 * `user`, so it stays with the same owner.
 */
export const ownerOfSession = (
  session: Pick<SessionRecord, 'sessionId' | 'apiKeyHash' | 'user'>,
): ThreadOwner => ({
  apiKeyHash: session.apiKeyHash,
  user: session.user ?? `${SESSION_OWNER_PREFIX}${session.sessionId}`,
});

/** The owner of a session as one string (`<key hash>\0<owner id>`), for bindings and maps. */
export function ownerKeyOfSession(session: Pick<SessionRecord, 'sessionId' | 'apiKeyHash' | 'user'>): string {
  const owner = ownerOfSession(session);
  return `${owner.apiKeyHash}\u0000${owner.user ?? ''}`;
}

/** An `endUserIdOf` answer, with the owner it is for. */
interface KnownEndUser {
  readonly apiKeyHash: string;
  readonly user: string | undefined;
  readonly id: string;
}

/**
 * Most sessions' answers `endUserIdOf` remembers (the oldest forgotten first, an eighth of them
 * at a time: see `evictOldest`).
 */
const MAX_KNOWN_END_USERS = 10_000;

/**
 * Every chat of a session asks again: the answer is remembered by session id, and used while
 * the session's key and user are the ones it was for. By session id rather than by owner key:
 * the session's strings are the same on each request (their hashes cached), where an owner key
 * built per chat had to be flattened and hashed again on every lookup.
 */
const knownEndUsers = new ChurnMap<string, KnownEndUser>();

/**
 * The run's `enduser.id` on traces: 16 hex digits of SHA-256 of the owner, the same for every
 * run of one principal (or end user, or session) and never its subject, user name or key.
 */
export const endUserIdOf = (session: Pick<SessionRecord, 'sessionId' | 'apiKeyHash' | 'user'>): string => {
  const known = knownEndUsers.get(session.sessionId);
  if (known !== undefined && known.apiKeyHash === session.apiKeyHash && known.user === session.user) {
    return known.id;
  }
  const id = createHash('sha256').update(ownerKeyOfSession(session)).digest('hex').slice(0, 16);
  knownEndUsers.delete(session.sessionId);
  knownEndUsers.set(session.sessionId, { apiKeyHash: session.apiKeyHash, user: session.user, id });
  evictOldest(knownEndUsers, MAX_KNOWN_END_USERS);
  return id;
};

/**
 * The key of the session's tenant: a hash of its principal's issuer and tenant (never the tenant
 * itself), under which its threads are stored so that `GET /threads?scope=tenant` lists them to
 * the tenant's other members (those `server.authorize` allows); `undefined` for a session of no
 * tenant (an API key, its asserted user, a principal without a tenant), whose threads are listed
 * to their owner only.
 */
export const tenantKeyOfSession = (session: Pick<SessionRecord, 'principal'>): string | undefined => {
  const principal = session.principal;
  if (principal?.tenant === undefined) return undefined;
  return createHash('sha256')
    .update(JSON.stringify(['tenant', principal.issuer, principal.tenant]), 'utf8')
    .digest('hex');
};
