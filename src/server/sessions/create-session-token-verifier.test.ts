import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import { createSessionTokenVerifier } from './create-session-token-verifier.js';
import { signSessionToken, verifySessionToken, type VerifySessionTokenOptions } from './session-token.js';

const secret = 'test-secret-for-the-verifier';
const createdAt = 1_700_000_000;

const recordFor = (sessionId: string, ttlSeconds = 3600): SessionRecord => ({
  sessionId,
  apiKeyHash: 'hash',
  createdAt,
  expiresAt: createdAt + ttlSeconds,
  approvedToolTypes: [],
});

/** A verifier whose full verifications are counted. */
function countingVerifier(maxEntries?: number) {
  let fullVerifications = 0;
  const verifier = createSessionTokenVerifier({
    secret,
    ...(maxEntries === undefined ? {} : { maxEntries }),
    verifyToken: (options: VerifySessionTokenOptions) => {
      fullVerifications += 1;
      return verifySessionToken(options);
    },
  });
  return { verifier, fullVerifications: () => fullVerifications };
}

describe('createSessionTokenVerifier', () => {
  it('verifies a token once and answers repeats from memory with the same claims', async () => {
    const { verifier, fullVerifications } = countingVerifier();
    const token = await signSessionToken({ record: recordFor('sess_a'), secret });
    const nowMs = (createdAt + 10) * 1000;

    const first = await verifier.verify(token, nowMs);
    const second = await verifier.verify(token, nowMs + 1000);

    expect(second).toEqual(first);
    expect(first).toEqual({
      sessionId: 'sess_a',
      apiKeyHash: 'hash',
      expiresAt: createdAt + 3600,
      expired: false,
    });
    expect(fullVerifications()).toBe(1);
  });

  it('reports a remembered token as expired once its lifetime is over', async () => {
    const { verifier } = countingVerifier();
    const token = await signSessionToken({ record: recordFor('sess_b', 60), secret });
    await verifier.verify(token, (createdAt + 1) * 1000);

    const later = await verifier.verify(token, (createdAt + 61) * 1000);
    expect(later).toMatchObject({ sessionId: 'sess_b', expired: true });
    expect(verifier.size).toBe(0);
  });

  it('never remembers a rejected token, even next to an accepted one', async () => {
    const { verifier, fullVerifications } = countingVerifier();
    const nowMs = (createdAt + 10) * 1000;
    const good = await signSessionToken({ record: recordFor('sess_c'), secret });
    const forged = await signSessionToken({ record: recordFor('sess_c'), secret: 'another-secret' });
    await verifier.verify(good, nowMs);

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error: unknown = await verifier.verify(forged, nowMs).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(401);
    }
    expect(fullVerifications()).toBe(3);
    expect(verifier.size).toBe(1);
  });

  it('refuses a token that carries a remembered signature under another payload', async () => {
    const { verifier, fullVerifications } = countingVerifier();
    const nowMs = (createdAt + 10) * 1000;
    const good = await signSessionToken({ record: recordFor('sess_e'), secret });
    await verifier.verify(good, nowMs);
    const [header, , signature] = good.split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ session_id: 'sess_other', api_key_hash: 'hash', expires_at: createdAt + 3600 }),
    ).toString('base64url');
    const spliced = `${header}.${otherPayload}.${signature}`;

    const error: unknown = await verifier.verify(spliced, nowMs).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(401);
    expect(fullVerifications()).toBe(2);
    // The genuine token is still answered from memory.
    await expect(verifier.verify(good, nowMs)).resolves.toMatchObject({ sessionId: 'sess_e' });
    expect(fullVerifications()).toBe(2);
  });

  it('forgets the least recently used token beyond its bound', async () => {
    const { verifier, fullVerifications } = countingVerifier(2);
    const nowMs = (createdAt + 10) * 1000;
    const [first, second, third] = await Promise.all(
      ['sess_1', 'sess_2', 'sess_3'].map((id) => signSessionToken({ record: recordFor(id), secret })),
    );
    if (first === undefined || second === undefined || third === undefined) throw new Error('no tokens');
    await verifier.verify(first, nowMs);
    await verifier.verify(second, nowMs);
    await verifier.verify(first, nowMs); // `first` is now the most recently used
    await verifier.verify(third, nowMs); // drops `second`
    expect(verifier.size).toBe(2);
    expect(fullVerifications()).toBe(3);

    await verifier.verify(first, nowMs);
    expect(fullVerifications()).toBe(3);
    await verifier.verify(second, nowMs);
    expect(fullVerifications()).toBe(4);
  });

  it('gives an answered token one second chance at eviction, not a place for good', async () => {
    const { verifier, fullVerifications } = countingVerifier(2);
    const nowMs = (createdAt + 10) * 1000;
    const tokens = await Promise.all(
      ['sess_a', 'sess_b', 'sess_c', 'sess_d', 'sess_e'].map((id) =>
        signSessionToken({ record: recordFor(id), secret }),
      ),
    );
    const [a, b, c, d, e] = tokens;
    if (a === undefined || b === undefined || c === undefined || d === undefined || e === undefined)
      throw new Error('no tokens');
    await verifier.verify(a, nowMs);
    await verifier.verify(b, nowMs);
    expect(verifier.remembered(a, nowMs)).toBeDefined(); // `a` answered: its second chance
    await verifier.verify(c, nowMs); // forgets `b`, the oldest unused; `a` passes its chance
    await verifier.verify(d, nowMs); // forgets `c`, younger than `a` but never answered
    expect(verifier.remembered(c, nowMs)).toBeUndefined();
    await verifier.verify(e, nowMs); // `a`, unused since, is forgotten now
    expect(verifier.size).toBe(2);
    expect(fullVerifications()).toBe(5);
    expect(verifier.remembered(a, nowMs)).toBeUndefined();
    expect(verifier.remembered(b, nowMs)).toBeUndefined();
    expect(verifier.remembered(c, nowMs)).toBeUndefined();
    expect(verifier.remembered(d, nowMs)).toBeDefined();
    expect(verifier.remembered(e, nowMs)).toBeDefined();
  });

  it('answers a remembered, unexpired token at once, and nothing for any other', async () => {
    const { verifier, fullVerifications } = countingVerifier();
    const nowMs = (createdAt + 10) * 1000;
    const token = await signSessionToken({ record: recordFor('sess_r', 60), secret });
    const other = await signSessionToken({ record: recordFor('sess_s', 60), secret });
    expect(verifier.remembered(token, nowMs)).toBeUndefined();

    const verified = await verifier.verify(token, nowMs);
    expect(verifier.remembered(token, nowMs + 1000)).toEqual(verified);
    expect(verifier.remembered(other, nowMs)).toBeUndefined();
    expect(fullVerifications()).toBe(1);

    // Expired: nothing remembered answers it any more, and `verify` reports the expiry.
    expect(verifier.remembered(token, (createdAt + 61) * 1000)).toBeUndefined();
    expect(verifier.size).toBe(0);
    await expect(verifier.verify(token, (createdAt + 61) * 1000)).resolves.toMatchObject({ expired: true });
  });

  it('rejects a bound that is not a whole number', () => {
    let thrown: unknown;
    try {
      createSessionTokenVerifier({ secret, maxEntries: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'invalid_option')).toBe(true);
  });
});
