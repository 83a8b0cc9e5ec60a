import { createRequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createRequestStateSealer } from './request-state-seal.js';

const key = 'k'.repeat(64);
/** The codec binds to whatever `owner` holds when it mints or verifies. */
let owner = 'owner-a';
const codec = createRequestStateCodec<{ run: string }>({ key, ttlSeconds: 60, bind: () => owner });
// The codec reads nothing of the context here (its bind ignores it).
const context = {} as ServerContext;

describe('the synchronous request-state seal', () => {
  it('seals states the SDK codec verifies, and opens states the codec minted', async () => {
    const sealer = createRequestStateSealer<{ run: string }>({ key, ttlSeconds: 60 });
    owner = 'owner-a';
    expect(await codec.verify(sealer.seal({ run: 'r1' }, 'owner-a'), context)).toEqual({ run: 'r1' });
    const minted = await codec.mint({ run: 'r2' }, context);
    expect(sealer.open(minted, 'owner-a')).toEqual({ run: 'r2' });
  });

  it('refuses what the codec refuses: another owner, a changed state, an expired one', async () => {
    const sealer = createRequestStateSealer<{ run: string }>({ key, ttlSeconds: 60 });
    owner = 'owner-a';
    const minted = await codec.mint({ run: 'r3' }, context);
    expect(sealer.open(minted, 'owner-b')).toBeUndefined();
    const tampered = `${minted.slice(0, 10)}${minted[10] === 'A' ? 'B' : 'A'}${minted.slice(11)}`;
    expect(sealer.open(tampered, 'owner-a')).toBeUndefined();
    await expect(codec.verify(tampered, context)).rejects.toThrow();
    expect(sealer.open('v1.garbage', 'owner-a')).toBeUndefined();
    const expired = createRequestStateSealer<{ run: string }>({ key, ttlSeconds: -10 }).seal(
      { run: 'r4' },
      'owner-a',
    );
    expect(sealer.open(expired, 'owner-a')).toBeUndefined();
    await expect(codec.verify(expired, context)).rejects.toThrow('expired');
    owner = 'owner-b';
    await expect(codec.verify(sealer.seal({ run: 'r5' }, 'owner-a'), context)).rejects.toThrow('bind');
  });
});
