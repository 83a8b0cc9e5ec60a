import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { SessionRecord } from '../../core/stores.js';
import { createMemorySessionStore } from '../../stores/memory/memory-session-store.js';
import { HttpError } from '../../core/http-error.js';
import { identityOfPrincipal } from './principal-session.js';
import { createAuthManager, type AuthManagerOptions } from './create-auth-manager.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import { signSessionToken } from './session-token.js';

const secret = 'test-secret';

function setup(overrides: Partial<AuthManagerOptions> = {}) {
  let nowMs = 1_700_000_000_000;
  const expired: SessionRecord[] = [];
  const sessions = createMemorySessionStore();
  const auth = createAuthManager({
    secret,
    sessions,
    sessionTtlMs: 60_000,
    now: () => nowMs,
    onSessionExpired: (record) => {
      expired.push(record);
    },
    ...overrides,
  });
  return {
    auth,
    sessions,
    expired,
    advanceSeconds: (seconds: number): void => {
      nowMs += seconds * 1000;
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('createAuthManager', () => {
  it('opens a session and authenticates its token', async () => {
    const { auth, sessions } = setup();
    const opened = await auth.initSession('my-key');
    expect(opened.session_id).toMatch(/^sess_[0-9a-f]{32}$/);
    expect(opened.expires_at).toBe(1_700_000_060);
    const record = await auth.authenticate(`Bearer ${opened.session_token}`);
    expect(record).toEqual({
      sessionId: opened.session_id,
      apiKeyHash: hashApiKey('my-key'),
      createdAt: 1_700_000_000,
      expiresAt: 1_700_000_060,
      approvedToolTypes: [],
    });
    expect(await sessions.get(opened.session_id)).toEqual(record);
  });

  it('accepts any non-empty key when the allow-list is empty', async () => {
    const { auth } = setup();
    expect((await auth.initSession('anything')).session_id).toMatch(/^sess_/);
    expect((await failure(auth.initSession(''))).body).toEqual({ detail: 'Missing API key' });
  });

  it('accepts only listed keys when an allow-list is given', async () => {
    const { auth } = setup({ validApiKeys: ['key-a', 'key-b'] });
    await expect(auth.initSession('key-b')).resolves.toBeDefined();
    const refused = await failure(auth.initSession('key-c'));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ detail: 'Invalid API key' });
    expect((await failure(auth.initSession(''))).body).toEqual({ detail: 'Missing API key' });
  });

  it('requires the Bearer prefix', async () => {
    const { auth } = setup();
    const { session_token: token } = await auth.initSession('key');
    for (const header of [undefined, null, '', '  ']) {
      const error = await failure(auth.authenticate(header));
      expect(error.status).toBe(401);
      expect(error.body).toEqual({ detail: 'Missing Authorization header' });
    }
    for (const header of [token, `bearer ${token}`, `Token ${token}`]) {
      const error = await failure(auth.authenticate(header));
      expect(error.status).toBe(401);
      expect(error.body).toEqual({
        detail: 'Authorization header must use the Bearer scheme: "Authorization: Bearer <session_token>"',
      });
    }
  });

  it('refuses a token signed with another secret', async () => {
    const { auth } = setup();
    const { auth: otherAuth } = setup({ secret: 'another-secret' });
    const { session_token: token } = await otherAuth.initSession('key');
    expect((await failure(auth.authenticate(`Bearer ${token}`))).body).toEqual({
      detail: 'Invalid session token',
    });
  });

  it('expires a session once its lifetime is over: removes it and runs the hook', async () => {
    const { auth, sessions, expired, advanceSeconds } = setup();
    const opened = await auth.initSession('key');
    advanceSeconds(60);
    const error = await failure(auth.authenticate(`Bearer ${opened.session_token}`));
    expect(error.body).toEqual({ detail: 'Session expired' });
    expect(await sessions.get(opened.session_id)).toBeUndefined();
    expect(expired.map((record) => record.sessionId)).toEqual([opened.session_id]);
    // A second late request is still "expired" and does not run the hook again.
    expect((await failure(auth.authenticate(`Bearer ${opened.session_token}`))).body).toEqual({
      detail: 'Session expired',
    });
    expect(expired).toHaveLength(1);
  });

  it('refuses a valid token whose session is gone', async () => {
    const { auth, sessions } = setup();
    const opened = await auth.initSession('key');
    await sessions.delete(opened.session_id);
    expect((await failure(auth.authenticate(`Bearer ${opened.session_token}`))).body).toEqual({
      detail: 'Unknown session',
    });
  });

  it('lets only a server-side key assert a user, and the session and its token carry that user', async () => {
    const { auth, sessions } = setup({
      validApiKeys: ['browser', 'backend'],
      serverSideApiKeys: ['backend'],
      restoreSessionsFromTokens: true,
    });
    const refused = await failure(auth.initSession('browser', 'alice'));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'user_assertion_forbidden' });

    const opened = await auth.initSession('backend', 'alice');
    const record = await auth.authenticate(`Bearer ${opened.session_token}`);
    expect(record).toMatchObject({ apiKeyHash: hashApiKey('backend'), user: 'alice' });
    // Restored from its token (another instance, a restart), the session still acts for alice.
    await sessions.delete(opened.session_id);
    expect(await auth.authenticate(`Bearer ${opened.session_token}`)).toMatchObject({ user: 'alice' });
    // Without a user, the session is the key itself, as before.
    const plain = await auth.initSession('backend');
    expect((await auth.authenticate(`Bearer ${plain.session_token}`)).user).toBeUndefined();
  });

  it('restores a session it does not hold from its valid token when restoreSessionsFromTokens is on', async () => {
    const { auth, sessions } = setup({ restoreSessionsFromTokens: true });
    const opened = await auth.initSession('key');
    await sessions.delete(opened.session_id);
    const restored = await auth.authenticate(`Bearer ${opened.session_token}`);
    expect(restored).toMatchObject({
      sessionId: opened.session_id,
      apiKeyHash: hashApiKey('key'),
      expiresAt: opened.expires_at,
      approvedToolTypes: [],
    });
    expect(await sessions.get(opened.session_id)).toEqual(restored);
  });

  it("restores a principal's session with its principal, and ends a session no later than the principal's token", async () => {
    const { auth, sessions, advanceSeconds } = setup({ restoreSessionsFromTokens: true });
    const principal = {
      subject: 'alice',
      tenant: 'acme',
      scopes: ['agent:use'],
      claims: { sub: 'alice', org_id: 'acme' },
      issuer: 'https://issuer.example',
      audiences: ['api://gateway'],
      // Within the 60 s of a session: the token's end is the session's.
      expiresAt: 1_700_000_030,
    };
    const opened = await auth.initPrincipalSession(principal);
    expect(opened.expires_at).toBe(principal.expiresAt);
    await sessions.delete(opened.session_id);
    const restored = await auth.authenticate(`Bearer ${opened.session_token}`);
    expect(restored.principal).toEqual(principal);
    expect(restored.expiresAt).toBe(principal.expiresAt);
    advanceSeconds(31);
    expect((await failure(auth.authenticate(`Bearer ${opened.session_token}`))).body).toEqual({
      detail: 'Session expired',
    });
  });

  it("keeps the session of a principal calling without /chat/init for its lifetime, past one token's end", async () => {
    const { auth } = setup();
    const principal = {
      subject: 'alice',
      scopes: [],
      claims: {},
      issuer: 'https://issuer.example',
      expiresAt: 1_700_000_010,
    };
    const session = await auth.sessionOf(identityOfPrincipal(principal));
    // Each request proves itself with its own token: a refreshed token finds the same session.
    expect(session.expiresAt).toBe(1_700_000_060);
  });

  it('does not restore an expired or foreign-signed token even when restoreSessionsFromTokens is on', async () => {
    const { auth, sessions, advanceSeconds } = setup({ restoreSessionsFromTokens: true });
    const opened = await auth.initSession('key');
    await sessions.delete(opened.session_id);
    const stored: SessionRecord = {
      sessionId: 'sess_' + 'a'.repeat(32),
      apiKeyHash: hashApiKey('key'),
      createdAt: 1_700_000_000,
      expiresAt: 1_700_000_060,
      approvedToolTypes: [],
    };
    const forged = await signSessionToken({ record: stored, secret: 'another-secret' });
    expect((await failure(auth.authenticate(`Bearer ${forged}`))).status).toBe(401);
    advanceSeconds(61);
    expect((await failure(auth.authenticate(`Bearer ${opened.session_token}`))).body).toEqual({
      detail: 'Session expired',
    });
    expect(await sessions.get(opened.session_id)).toBeUndefined();
  });

  it('refuses a valid token whose key hash does not match the stored session', async () => {
    const { auth, sessions } = setup();
    const opened = await auth.initSession('key');
    const stored = await sessions.get(opened.session_id);
    if (stored === undefined) throw new Error('session not stored');
    const token = await signSessionToken({ record: { ...stored, apiKeyHash: hashApiKey('other') }, secret });
    expect((await failure(auth.authenticate(`Bearer ${token}`))).body).toEqual({ detail: 'Unknown session' });
  });

  it('reports a throwing expiry hook without changing the answer', async () => {
    const errors: unknown[] = [];
    const { auth, advanceSeconds } = setup({
      onSessionExpired: () => {
        throw new Error('hook failed');
      },
      onError: (error) => errors.push(error),
    });
    const opened = await auth.initSession('key');
    advanceSeconds(61);
    expect((await failure(auth.authenticate(`Bearer ${opened.session_token}`))).body).toEqual({
      detail: 'Session expired',
    });
    expect(errors).toHaveLength(1);
  });

  it('sweeps expired sessions and runs the hook for each', async () => {
    const { auth, sessions, expired, advanceSeconds } = setup();
    const early = await auth.initSession('key');
    advanceSeconds(30);
    const late = await auth.initSession('key');
    advanceSeconds(30);
    const swept = await auth.sweepExpiredSessions();
    expect(swept.map((record) => record.sessionId)).toEqual([early.session_id]);
    expect(expired.map((record) => record.sessionId)).toEqual([early.session_id]);
    expect(await sessions.get(late.session_id)).toBeDefined();
  });

  it('runs the periodic sweep until close, and close is idempotent', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const sessions = createMemorySessionStore();
    const opener = createAuthManager({ secret, sessions, sessionTtlMs: 60_000, now: () => 1_000_000 });
    let hookCalls = 0;
    let signalHookRan: () => void = () => undefined;
    const hookRan = new Promise<void>((resolve) => {
      signalHookRan = resolve;
    });
    // This manager's clock is two minutes ahead, so every session the opener creates is expired for it.
    const sweeper = createAuthManager({
      secret,
      sessions,
      now: () => 1_000_000 + 120_000,
      onSessionExpired: () => {
        hookCalls += 1;
        signalHookRan();
      },
    });
    const first = await opener.initSession('key');
    sweeper.startExpirySweep({ intervalMs: 5 });
    sweeper.startExpirySweep({ intervalMs: 5 });
    await vi.advanceTimersByTimeAsync(5);
    await hookRan;
    expect(await sessions.get(first.session_id)).toBeUndefined();
    await sweeper.close();
    await sweeper.close();
    const second = await opener.initSession('key');
    // Several former intervals pass; a stopped sweep must not touch the new session.
    await vi.advanceTimersByTimeAsync(30);
    expect(hookCalls).toBe(1);
    expect(await sessions.get(second.session_id)).toBeDefined();
  });

  it('rejects bad options before doing anything', () => {
    const sessions = createMemorySessionStore();
    const cases: AuthManagerOptions[] = [
      { secret: '', sessions },
      { secret, sessions, sessionTtlMs: 0 },
      { secret, sessions, validApiKeys: [''] },
    ];
    for (const options of cases) {
      let caught: unknown;
      try {
        createAuthManager(options);
      } catch (error) {
        caught = error;
      }
      expect(isGatewayError(caught, 'invalid_option')).toBe(true);
    }
    const auth = createAuthManager({ secret, sessions });
    expect(() => auth.startExpirySweep({ intervalMs: -1 })).toThrow(/intervalMs/);
  });

  it('names a misspelt option with the closest known one', () => {
    const sessions = createMemorySessionStore();
    expect(() => createAuthManager({ secret, sessions, validApiKey: ['k'] } as AuthManagerOptions)).toThrow(
      "createAuthManager: unknown option 'validApiKey' — did you mean 'validApiKeys'?",
    );
  });
});
