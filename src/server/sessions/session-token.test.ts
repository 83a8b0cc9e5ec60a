import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import { signSessionToken, verifySessionToken } from './session-token.js';

const secret = 'test-secret';
const nowMs = 1_700_000_000_000;
const record: SessionRecord = {
  sessionId: `sess_${'a'.repeat(32)}`,
  apiKeyHash: '0123456789abcdef',
  createdAt: 1_700_000_000,
  expiresAt: 1_700_003_600,
  approvedToolTypes: [],
};

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodePart(token: string, index: number): Record<string, unknown> {
  const part = token.split('.')[index] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('session tokens', () => {
  it('round-trips the wire protocol’s snake_case claims plus iat and exp with HS256', async () => {
    const token = await signSessionToken({ record, secret });
    expect(decodePart(token, 0)).toMatchObject({ alg: 'HS256' });
    expect(decodePart(token, 1)).toEqual({
      session_id: record.sessionId,
      api_key_hash: record.apiKeyHash,
      created_at: record.createdAt,
      expires_at: record.expiresAt,
      iat: record.createdAt,
      exp: record.expiresAt,
    });
    expect(await verifySessionToken({ token, secret, nowMs })).toEqual({
      sessionId: record.sessionId,
      apiKeyHash: record.apiKeyHash,
      expiresAt: record.expiresAt,
      expired: false,
    });
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signSessionToken({ record, secret: 'other-secret' });
    const error = await failure(verifySessionToken({ token, secret, nowMs }));
    expect(error.status).toBe(401);
    expect(error.body).toEqual({ detail: 'Invalid session token' });
  });

  it('verifies a token signed with a previous secret still listed, and refuses one signed with none of them', async () => {
    const old = await signSessionToken({ record, secret: 'old-secret' });
    const verified = await verifySessionToken({ token: old, secret, previousSecrets: ['old-secret'], nowMs });
    expect(verified.sessionId).toBe(record.sessionId);
    const stranger = await signSessionToken({ record, secret: 'other-secret' });
    const error = await failure(
      verifySessionToken({ token: stranger, secret, previousSecrets: ['old-secret'], nowMs }),
    );
    expect(error.status).toBe(401);
  });

  it('reports an expired token signed with a previous secret as expired, not invalid', async () => {
    const old = await signSessionToken({ record, secret: 'old-secret' });
    const later = (record.expiresAt + 10) * 1000;
    const verified = await verifySessionToken({
      token: old,
      secret,
      previousSecrets: ['old-secret'],
      nowMs: later,
    });
    expect(verified.expired).toBe(true);
  });

  it('rejects an unsigned alg:none token', async () => {
    const payload = {
      session_id: record.sessionId,
      api_key_hash: record.apiKeyHash,
      expires_at: record.expiresAt,
    };
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
    const error = await failure(verifySessionToken({ token, secret, nowMs }));
    expect(error.body).toEqual({ detail: 'Invalid session token' });
  });

  it('rejects a token signed with HS512 even with the right secret', async () => {
    const token = await new SignJWT({
      session_id: record.sessionId,
      api_key_hash: record.apiKeyHash,
      expires_at: record.expiresAt,
    })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(secret));
    const error = await failure(verifySessionToken({ token, secret, nowMs }));
    expect(error.body).toEqual({ detail: 'Invalid session token' });
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const token = await signSessionToken({ record, secret });
    const [header, , signature] = token.split('.');
    const forged = base64url({ ...decodePart(token, 1), session_id: `sess_${'b'.repeat(32)}` });
    const error = await failure(
      verifySessionToken({ token: `${header}.${forged}.${signature}`, secret, nowMs }),
    );
    expect(error.body).toEqual({ detail: 'Invalid session token' });
  });

  it('rejects garbage as an invalid token', async () => {
    const error = await failure(verifySessionToken({ token: 'not-a-jwt', secret, nowMs }));
    expect(error.body).toEqual({ detail: 'Invalid session token' });
  });

  it('refuses a correctly signed token that lacks a required claim', async () => {
    for (const missing of ['session_id', 'api_key_hash', 'expires_at']) {
      const claims: Record<string, unknown> = {
        session_id: record.sessionId,
        api_key_hash: record.apiKeyHash,
        expires_at: record.expiresAt,
      };
      delete claims[missing];
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(secret));
      const error = await failure(verifySessionToken({ token, secret, nowMs }));
      expect(error.body).toEqual({ detail: 'Invalid session payload' });
    }
  });

  it('reports an expired token instead of failing on it', async () => {
    const token = await signSessionToken({ record, secret });
    const atExpiry = await verifySessionToken({ token, secret, nowMs: record.expiresAt * 1000 });
    expect(atExpiry).toMatchObject({ sessionId: record.sessionId, expired: true });
  });
});
