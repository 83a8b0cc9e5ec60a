import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from '../../../test/helpers/cleanup-stack.js';
import { startLocalJwksIssuer } from '../../../test/helpers/local-jwks-issuer.js';
import { AuthRefusal } from './auth-refusal.js';
import { createJwtVerifier } from './create-jwt-verifier.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const AUDIENCE = 'api://gateway';

async function verifierWithClock(start: number) {
  const issuer = cleanup.add(await startLocalJwksIssuer(), (server) => server.close());
  const clock = { now: start };
  const verifier = createJwtVerifier({
    settings: {
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      audience: [AUDIENCE, 'http://127.0.0.1/api/mcp'],
      algorithms: ['RS256'],
      requiredScopes: [],
      sameTokenForRestAndMcp: false,
      maxTokenBytes: 8192,
    },
    now: () => clock.now,
  });
  return { issuer, clock, verifier };
}

const reasonOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof AuthRefusal ? error.reason : `threw ${String(error)}`),
  );

describe('createJwtVerifier remembering verified tokens', () => {
  it('answers a repeated token with the same principal and refuses it once it expired', async () => {
    const start = Date.now();
    const { issuer, clock, verifier } = await verifierWithClock(start);
    const token = await issuer.sign(
      { iss: issuer.issuer, aud: AUDIENCE, sub: 'ada', org_id: 'acme' },
      { expiresIn: '2m' },
    );
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toEqual(first);
    expect(first).toMatchObject({ subject: 'ada', tenant: 'acme', issuer: issuer.issuer });
    // Past exp and the 30 s tolerance, counted from now: the token was signed after `start`,
    // and signing can come seconds later on a loaded machine (the key pair is generated first).
    clock.now = Date.now() + 2 * 60_000 + 32_000;
    expect(await reasonOf(verifier.verify(token))).toBe('expired');
  });

  it('keeps the audience asked for apart: a token remembered for the API is still refused on /api/mcp', async () => {
    const { issuer, verifier } = await verifierWithClock(Date.now());
    const token = await issuer.sign({ iss: issuer.issuer, aud: AUDIENCE, sub: 'ada' });
    await verifier.verify(token);
    expect(await reasonOf(verifier.verify(token, { audience: 'http://127.0.0.1/api/mcp' }))).toBe(
      'wrong audience',
    );
  });

  it('never remembers a refused token', async () => {
    const { issuer, verifier } = await verifierWithClock(Date.now());
    const token = await issuer.sign({ iss: 'https://other.example', aud: AUDIENCE, sub: 'ada' });
    expect(await reasonOf(verifier.verify(token))).toBe('wrong issuer');
    expect(await reasonOf(verifier.verify(token))).toBe('wrong issuer');
  });
});
