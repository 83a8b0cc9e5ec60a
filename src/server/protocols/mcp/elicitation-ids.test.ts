import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../../core/stores.js';
import { createElicitationIds } from './elicitation-ids.js';

const session = (apiKeyHash: string, user?: string): SessionRecord => ({
  sessionId: `sess_${'1'.repeat(32)}`,
  apiKeyHash,
  ...(user === undefined ? {} : { user }),
  createdAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  approvedToolTypes: [],
});

describe('the ids of our elicitation requests', () => {
  it('name the call they answer, for the owner they were minted for, on any instance with the secret', () => {
    const id = createElicitationIds('secret').seal(
      session('k1'),
      { toolCallId: 'call_1', nonce: 'n' },
      60_000,
    );
    expect(createElicitationIds('secret').open(id, session('k1'))).toEqual({
      toolCallId: 'call_1',
      nonce: 'n',
    });
    expect(createElicitationIds('secret').open(id, session('k2'))).toBeUndefined();
    expect(createElicitationIds('secret').open(id, session('k1', 'ada'))).toBeUndefined();
    expect(createElicitationIds('other').open(id, session('k1'))).toBeUndefined();
  });

  it('refuse a forged, expired or non-string id', () => {
    let now = 0;
    const ids = createElicitationIds('secret', () => now);
    const id = ids.seal(session('k1'), { toolCallId: 'call_1', nonce: 'n' }, 1_000);
    const [version, , mac] = id.split('.');
    const forged = Buffer.from(
      JSON.stringify({ toolCallId: 'call_9', nonce: 'x', owner: 'k1\u0000', expiresAt: 9e15 }),
    ).toString('base64url');
    expect(ids.open(`${version}.${forged}.${mac}`, session('k1'))).toBeUndefined();
    expect(ids.open(7, session('k1'))).toBeUndefined();
    now = 1_001;
    expect(ids.open(id, session('k1'))).toBeUndefined();
  });
});
