import { createHash } from 'node:crypto';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';

/**
 * The session that stands in for `lostSessionId`, for work that outlived the session it was
 * accepted in (a restart with sessions in memory forgot it): an id derived from the lost one (so
 * every instance and every later run of that session picks the same one, and they keep running
 * one at a time), and the owner's key and id in `user`, so `ownerOfSession` gives the same owner
 * (an anonymous session's `session:<id>` included) and the work reaches the same threads. No
 * principal: the run acts as its owner, not as a signed-in request.
 */
export function ownerSession(
  owner: ThreadOwner,
  lostSessionId: string,
  nowSeconds: number,
  ttlSeconds: number,
): SessionRecord {
  const derived = createHash('sha256')
    .update(JSON.stringify(['stand-in', lostSessionId]))
    .digest('hex');
  return {
    sessionId: `sess_${derived.slice(0, 32)}`,
    apiKeyHash: owner.apiKeyHash,
    ...(owner.user === undefined ? {} : { user: owner.user }),
    createdAt: nowSeconds,
    expiresAt: nowSeconds + ttlSeconds,
    approvedToolTypes: [],
  };
}
