import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { endUserIdOf, ownerKeyOfSession } from './session-owner.js';

const sha16 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

describe('endUserIdOf', () => {
  it('is 16 hex digits of SHA-256 of the owner, the same for every copy of the session', () => {
    const session = { sessionId: 'sess_end_user_a', apiKeyHash: 'k'.repeat(64), user: 'alice' };
    const first = endUserIdOf(session);
    expect(first).toBe(sha16(ownerKeyOfSession(session)));
    expect(endUserIdOf({ ...session })).toBe(first);
    expect(endUserIdOf({ ...session, sessionId: 'sess_end_user_b' })).toBe(first);
  });

  it('never answers for the owner a session id had before: another key or user gets its own id', () => {
    const session = { sessionId: 'sess_end_user_c', apiKeyHash: 'k'.repeat(64), user: 'alice' };
    const alice = endUserIdOf(session);
    const bob = endUserIdOf({ ...session, user: 'bob' });
    expect(bob).toBe(sha16(ownerKeyOfSession({ ...session, user: 'bob' })));
    expect(bob).not.toBe(alice);
    const ownSession = { sessionId: session.sessionId, apiKeyHash: 'j'.repeat(64) };
    expect(endUserIdOf(ownSession)).toBe(sha16(ownerKeyOfSession(ownSession)));
    expect(endUserIdOf(session)).toBe(alice);
  });
});
