import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/stores/hash-api-key.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const jwtSecret = 'e2e-test-secret-of-the-gateway';
const apiKey = 'test-client-key';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a token the way the gateway does, with any claims and any secret. */
const signToken = (claims: Record<string, unknown>, secret = jwtSecret): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));

const claimsFor = (sessionId: string, expiresAt: number): Record<string, unknown> => ({
  session_id: sessionId,
  api_key_hash: hashApiKey(apiKey),
  created_at: expiresAt - 3600,
  expires_at: expiresAt,
});

/** POSTs a chat with the given Authorization header value (or none). */
const chatWithHeader = (gateway: GatewayClient, authorization: string | undefined) =>
  gateway.post(
    '/chat',
    { messages: [{ role: 'user', content: 'hi' }] },
    authorization === undefined ? {} : { headers: { authorization } },
  );

const expectUnauthorized = async (response: Response, detail: string): Promise<void> => {
  expect(response.status).toBe(401);
  expect(await jsonOf(response)).toEqual({ detail });
};

describe('session authentication', () => {
  it('refuses a missing or non-bearer Authorization header', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          jwtSecret,
        },
      },
    });
    await expectUnauthorized(await chatWithHeader(gateway, undefined), 'Missing Authorization header');
    await expectUnauthorized(
      await chatWithHeader(gateway, 'Basic dXNlcjpwYXNz'),
      'Authorization header must use the Bearer scheme: "Authorization: Bearer <session_token>"',
    );
    const approval = await gateway.post('/chat/tool-approval', {
      tool_call_id: 'x',
      nonce: 'y',
      approved: true,
    });
    await expectUnauthorized(approval, 'Missing Authorization header');
    const result = await gateway.post('/chat/tool-result', { tool_call_id: 'x', nonce: 'y' });
    await expectUnauthorized(result, 'Missing Authorization header');
  });

  it('refuses a token signed with another secret, an alg:none token and garbage', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          jwtSecret,
        },
      },
    });
    const session = await gateway.openSession(apiKey);
    const claims = claimsFor(session.sessionId, session.expiresAt);

    const forged = await signToken(claims, 'some-other-secret');
    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${forged}`), 'Invalid session token');

    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${unsigned}`), 'Invalid session token');

    await expectUnauthorized(await chatWithHeader(gateway, 'Bearer not-a-jwt'), 'Invalid session token');
  });

  it('refuses a token that lacks a claim', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          jwtSecret,
        },
      },
    });
    const session = await gateway.openSession(apiKey);
    const { api_key_hash: _omitted, ...claims } = claimsFor(session.sessionId, session.expiresAt);
    const token = await signToken(claims);
    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${token}`), 'Invalid session payload');
  });

  it('refuses a well-signed token of an unknown session or of another key', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          jwtSecret,
          // A kept secret restores unknown sessions from their tokens by default (restarts).
          restoreSessionsFromTokens: false,
        },
      },
    });
    const session = await gateway.openSession(apiKey);
    const unknown = await signToken(claimsFor(`sess_${'0'.repeat(32)}`, session.expiresAt));
    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${unknown}`), 'Unknown session');

    const otherKey = await signToken({
      ...claimsFor(session.sessionId, session.expiresAt),
      api_key_hash: hashApiKey('x'),
    });
    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${otherKey}`), 'Unknown session');
  });

  it('expires a session whose expires_at has passed and forgets it', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          jwtSecret,
        },
      },
    });
    const session = await gateway.openSession(apiKey);
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = await signToken(claimsFor(session.sessionId, past));

    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${expired}`), 'Session expired');
    // The expiry removed the session: its own, still valid, token now names an unknown session.
    await expectUnauthorized(await chatWithHeader(gateway, `Bearer ${session.token}`), 'Unknown session');
  });

  it('keeps a session across a restart with a fixed jwtSecret alone, no database, and refuses it with another secret', async () => {
    const server = { jwtSecret };
    const first = await startMockAgent(cleanup, { agent: { server } });
    const session = await first.gateway.openSession(apiKey);
    await first.gateway.close();

    const second = await startMockAgent(cleanup, { turns: [textTurn('Back again.')], agent: { server } });
    const chat = await chatWithHeader(second.gateway, `Bearer ${session.token}`);
    expect(chat.status).toBe(200);
    expect(eventsOf(await readAllSseFrames(chat)).at(-1)).toMatchObject({ type: 'stream_complete' });

    const other = await startMockAgent(cleanup, { agent: { server: { jwtSecret: `${jwtSecret}-other` } } });
    await expectUnauthorized(
      await chatWithHeader(other.gateway, `Bearer ${session.token}`),
      'Invalid session token',
    );
  });

  it('expires a session after sessionTtl seconds', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Still here.')],
      agent: {
        server: {
          jwtSecret,
          // Long enough for the first chat to finish on a loaded CI machine.
          sessionTtlMs: 3000,
        },
      },
    });
    const session = await gateway.openSession(apiKey);
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'hello'));
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');

    await waitFor(() => (Date.now() / 1000 >= session.expiresAt ? true : undefined), { timeoutMs: 6_000 });
    await expectUnauthorized(await gateway.chat(session.token, 'hello again'), 'Session expired');
    upstream.assertAllConsumed();
  });
});

describe('API keys', () => {
  it('accepts only the configured keys', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          validApiKeys: ['good-key'],
        },
      },
    });

    const refused = await gateway.post('/chat/init', { api_key: 'bad-key' });
    expect(refused.status).toBe(401);
    expect(await jsonOf(refused)).toEqual({ detail: 'Invalid API key' });

    const accepted = await gateway.post('/chat/init', { api_key: 'good-key' });
    expect(accepted.status).toBe(200);
    const body = await jsonOf(accepted);
    expect(body).toEqual({
      session_token: expect.any(String) as unknown,
      session_id: expect.stringMatching(/^sess_/) as unknown,
      expires_at: expect.any(Number) as unknown,
    });
  });

  it('accepts any non-empty key when none are configured, and refuses an empty one', async () => {
    const { gateway } = await startMockAgent(cleanup);
    expect((await gateway.post('/chat/init', { api_key: 'anything' })).status).toBe(200);
    const empty = await gateway.post('/chat/init', { api_key: '' });
    expect(empty.status).toBe(422);
    expect(await jsonOf(empty)).toMatchObject({ detail: [{ loc: ['body', 'api_key'] }] });
  });
});
