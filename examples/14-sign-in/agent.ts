/**
 * Sign-in with your identity provider: callers send the provider's access token as the bearer
 * (`Authorization: Bearer <token>`) on every route, and what each creates (threads, runs,
 * approvals) belongs to its issuer, tenant and subject. No session token, no API key.
 *
 *   OIDC_ISSUER=https://example.eu.auth0.com/ API_AUDIENCE=https://agent.example.com/api \
 *     npx agent-gateway serve examples/14-sign-in/agent.ts
 *
 * `OIDC_JWKS_URL` names the provider's keys when its discovery document should not be read.
 * `npx tsx examples/14-sign-in/try-it.ts` runs the whole flow on this machine, with a local
 * issuer standing in for your provider.
 */
import { createAgent } from 'ai-agent-gateway';
import { createMemoryDatabase } from 'ai-agent-gateway/stores';

const issuer = process.env.OIDC_ISSUER;
const audience = process.env.API_AUDIENCE;
if (issuer === undefined || audience === undefined) {
  throw new Error('Set OIDC_ISSUER (your provider, exactly as its tokens\u2019 "iss") and API_AUDIENCE');
}
const jwksUrl = process.env.OIDC_JWKS_URL;

export default createAgent({
  systemPrompt: 'You are a helpful assistant. Keep answers short.',
  server: {
    auth: {
      // Only tokens: no API key opens a session here.
      apiKeys: false,
      jwt: { issuer, audience, ...(jwksUrl === undefined ? {} : { jwksUrl }) },
    },
    // Each signed-in user's threads, in memory for this example ('embedded' keeps them on disk).
    database: createMemoryDatabase(),
  },
});
