import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import { createMemorySessionStore } from '../../stores/memory/memory-session-store.js';
import { createAuthManager, type AuthManagerOptions } from './create-auth-manager.js';

/*
 * A restart is a new auth manager with the same secret: over a fresh store (sessions in memory,
 * restored from their tokens) or over the same one (a shared store that outlived the process).
 * Either way a session lives on only while what made it valid still holds.
 */

const secret = 'restart-secret';
const NOW = 1_700_000_000_000;

const managerOf = (sessions: SessionStore, options: Partial<AuthManagerOptions> = {}) =>
  createAuthManager({ secret, sessions, sessionTtlMs: 3_600_000, now: () => NOW, ...options });

/** The two ways a restart finds a session: restored from its token, or still in a shared store. */
const restarts = [
  { name: 'restored from its token', storeAfter: () => createMemorySessionStore(), restore: true },
  { name: 'kept in a shared store', storeAfter: (kept: SessionStore) => kept, restore: false },
] as const;

async function refusal(promise: Promise<unknown>): Promise<{ status: number; body: unknown } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, body: error.body };
    throw error;
  }
}

const OLD_ISSUER = 'https://old-idp.example';
const principal = {
  subject: 'alice',
  scopes: ['agent:use'],
  claims: {},
  issuer: OLD_ISSUER,
  audiences: ['api://gateway'],
  expiresAt: NOW / 1000 + 600,
};

describe.each(restarts)('after a restart, a session $name', ({ storeAfter, restore }) => {
  it('is refused once its API key was removed from validApiKeys', async () => {
    const before = createMemorySessionStore();
    const first = managerOf(before, { validApiKeys: ['leaked-key', 'kept-key'] });
    const leaked = await first.initSession('leaked-key');
    const kept = await first.initSession('kept-key');
    const second = managerOf(storeAfter(before), {
      validApiKeys: ['kept-key'],
      restoreSessionsFromTokens: restore,
    });
    expect(await refusal(second.authenticate(`Bearer ${leaked.session_token}`))).toMatchObject({
      status: 401,
      body: { detail: 'Session no longer valid: its API key is no longer accepted' },
    });
    expect((await second.authenticate(`Bearer ${kept.session_token}`)).sessionId).toBe(kept.session_id);
  });

  it('of an asserted user is refused once its key is no longer server-side', async () => {
    const before = createMemorySessionStore();
    const first = managerOf(before, { validApiKeys: ['backend'], serverSideApiKeys: ['backend'] });
    const asserted = await first.initSession('backend', 'mallory');
    const second = managerOf(storeAfter(before), {
      validApiKeys: ['backend'],
      restoreSessionsFromTokens: restore,
    });
    expect(await refusal(second.authenticate(`Bearer ${asserted.session_token}`))).toMatchObject({
      status: 401,
      body: { detail: 'Session no longer valid: its API key may no longer assert a user' },
    });
  });

  it('of a signed-in principal is refused once its identity provider or audience was replaced', async () => {
    const before = createMemorySessionStore();
    const first = managerOf(before, {
      principalIssuers: { jwt: { issuer: OLD_ISSUER, audiences: ['api://gateway'] } },
    });
    const opened = await first.initPrincipalSession(principal);
    for (const jwt of [
      { issuer: 'https://new-idp.example', audiences: ['api://gateway'] },
      { issuer: OLD_ISSUER, audiences: ['api://other'] },
    ]) {
      const second = managerOf(storeAfter(before), {
        principalIssuers: { jwt },
        restoreSessionsFromTokens: restore,
      });
      expect(await refusal(second.authenticate(`Bearer ${opened.session_token}`))).toMatchObject({
        status: 401,
        body: { detail: 'Session no longer valid: its identity provider is no longer configured' },
      });
    }
  });

  it('of the authenticate hook is refused once the hook was removed', async () => {
    const before = createMemorySessionStore();
    const first = managerOf(before);
    const opened = await first.initPrincipalSession({ ...principal, issuer: 'authenticate' });
    const second = managerOf(storeAfter(before), {
      principalIssuers: {},
      restoreSessionsFromTokens: restore,
    });
    expect((await refusal(second.authenticate(`Bearer ${opened.session_token}`)))?.status).toBe(401);
  });
});

describe('sessions restored from their tokens', () => {
  it('count against maxSessions: a restore beyond it is refused with 503', async () => {
    const first = managerOf(createMemorySessionStore());
    const opened = await Promise.all([
      first.initSession('k'),
      first.initSession('k'),
      first.initSession('k'),
    ]);
    const second = managerOf(createMemorySessionStore(), { maxSessions: 2, restoreSessionsFromTokens: true });
    const answers = await Promise.all(
      opened.map((each) => refusal(second.authenticate(`Bearer ${each.session_token}`))),
    );
    expect(answers.filter((answer) => answer === undefined)).toHaveLength(2);
    expect(answers.filter((answer) => answer?.status === 503)).toHaveLength(1);
  });
});

describe('logout', () => {
  it('ends the session on every instance sharing the store, and a restore does not bring it back', async () => {
    const shared = createMemorySessionStore();
    const one = managerOf(shared, { restoreSessionsFromTokens: true });
    const two = managerOf(shared, { restoreSessionsFromTokens: true });
    const opened = await one.initSession('k');
    await two.logout(`Bearer ${opened.session_token}`);
    for (const manager of [one, two]) {
      expect(await refusal(manager.authenticate(`Bearer ${opened.session_token}`))).toMatchObject({
        status: 401,
        body: { detail: 'Session ended' },
      });
    }
  });
});
