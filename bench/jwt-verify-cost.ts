/**
 * What a provider JWT costs per chat: `createJwtVerifier` with the keys cached, for a token seen
 * before (remembered: a hash and the `exp` check) and for a token seen for the first time (one
 * RS256 signature check and the claim checks, memory off), against the session-token check of
 * a gateway session, all measured in the same run. Short and bounded.
 *
 *   npx tsx bench/jwt-verify-cost.ts
 */
import { createSessionTokenVerifier } from '../src/server/sessions/create-session-token-verifier.js';
import { signSessionToken } from '../src/server/sessions/session-token.js';
import { createJwtVerifier } from '../src/server/auth/create-jwt-verifier.js';
import { startLocalJwksIssuer } from '../test/helpers/local-jwks-issuer.js';

const ROUNDS = 3_000;

const percentile = (samples: number[], fraction: number): number => {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
};

async function timeEach(label: string, run: (index: number) => Promise<unknown>): Promise<void> {
  for (let index = 0; index < 200; index += 1) await run(index);
  const samples: number[] = [];
  for (let index = 0; index < ROUNDS; index += 1) {
    const started = process.hrtime.bigint();
    await run(index);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  console.log(
    `${label.padEnd(48)} p50 ${percentile(samples, 0.5).toFixed(4)} ms  p99 ${percentile(samples, 0.99).toFixed(4)} ms`,
  );
}

const issuer = await startLocalJwksIssuer();
try {
  const settings = {
    issuer: issuer.issuer,
    audience: 'api://gateway',
    algorithms: ['RS256'],
    requiredScopes: [],
    sameTokenForRestAndMcp: false,
    maxTokenBytes: 8192,
  };
  const verifier = createJwtVerifier({ settings });
  const firstSight = createJwtVerifier({ settings, rememberedTokens: 0 });
  // 64 users, each sending its own token with every request.
  const tokens = await Promise.all(
    Array.from({ length: 64 }, (_, index) =>
      issuer.sign({ iss: issuer.issuer, aud: 'api://gateway', sub: `user-${index}`, scope: 'agent:use' }),
    ),
  );
  const secret = 'bench-secret';
  const sessionTokens = createSessionTokenVerifier({ secret });
  const sessionToken = await signSessionToken({
    secret,
    record: { sessionId: 'sess_0', apiKeyHash: '0', createdAt: 0, expiresAt: 4e9, approvedToolTypes: [] },
  });
  await timeEach('session token (remembered, baseline)', () =>
    sessionTokens.verify(sessionToken, Date.now()),
  );
  await timeEach('provider JWT, RS256, seen before (remembered)', (index) =>
    verifier.verify(tokens[index % tokens.length] ?? ''),
  );
  await timeEach('provider JWT, RS256, first sight (keys cached)', (index) =>
    firstSight.verify(tokens[index % tokens.length] ?? ''),
  );
  console.log(`key-set fetches during the run (one per verifier): ${issuer.jwksFetches}`);
} finally {
  await issuer.close();
}
