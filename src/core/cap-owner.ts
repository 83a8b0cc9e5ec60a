import type { ThreadOwner } from './thread-store.js';

/**
 * The prefix of the owner id of a session that acts for no asserted user (`session:<id>`). An
 * asserted user may not start with it, so no end user can claim a session's things by name.
 */
export const SESSION_OWNER_PREFIX = 'session:';

/** Whether `user` lies in the namespace of session owners (and so cannot be asserted). */
export const isSessionOwnerId = (user: string): boolean => user.startsWith(SESSION_OWNER_PREFIX);

/** Whether `owner` is an anonymous session's owner (a session that asserted no user). */
export const isAnonymousSessionOwner = (owner: ThreadOwner): boolean =>
  owner.user !== undefined && isSessionOwnerId(owner.user);

/**
 * The one string the per-owner caps (`maxPerOwner` of schedules and queued runs, threads and
 * suspended runs per owner) count `owner` under. Each anonymous session owns its things, but
 * opening another session costs nothing: their caps are counted per API key, for all of the
 * key's anonymous sessions together, or the caps would multiply with sessions. An asserted
 * user, and the key itself, are counted as they own.
 */
export function capOwnerKey(owner: ThreadOwner): string {
  if (isAnonymousSessionOwner(owner)) return `${owner.apiKeyHash}\u0000${SESSION_OWNER_PREFIX}*`;
  return `${owner.apiKeyHash}\u0000${owner.user ?? ''}`;
}

/** Whether `owner` and `other` count against the same per-owner caps (`capOwnerKey`). */
export const sharesCapsWith = (owner: ThreadOwner, other: ThreadOwner): boolean =>
  capOwnerKey(owner) === capOwnerKey(other);
