import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../../src/server/contracts/create-agent-options.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { memberHook } from '../helpers/member-hook.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';

/*
 * Where the approvals inbox page is served: by default wherever the gateway authenticates
 * requests (API keys, JWTs, its own hook), whatever the playground says; `server.inbox` turns it
 * on or off; `server.inbox.oidc` hands the page the issuer it signs people in at.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const JWT = { issuer: 'https://login.example.com/', audience: 'https://agents.example.com/api' };

/** The status of `/inbox` and `/playground` on an agent with `server`. */
async function pagesOf(server: NonNullable<CreateAgentOptions['server']>) {
  const { gateway } = await startMockAgent(cleanup, { agent: { server } });
  const origin = new URL(gateway.baseUrl).origin;
  return {
    origin,
    inboxPath: gateway.app.inboxPath,
    inbox: (await fetch(`${origin}/inbox`)).status,
    playground: (await fetch(`${origin}/playground`)).status,
  };
}

describe('the approvals inbox page', () => {
  it('is served by default wherever requests are authenticated, without the playground', async () => {
    for (const server of [
      { validApiKeys: ['approvers-key'] },
      { auth: { jwt: JWT } },
      { auth: { authenticate: memberHook } },
    ]) {
      expect(await pagesOf(server)).toMatchObject({ inboxPath: '/inbox', inbox: 200, playground: 404 });
    }
  });

  it('is off by default where any key is accepted, and server.inbox turns it on or off whatever the playground says', async () => {
    expect(await pagesOf({})).toMatchObject({ inbox: 404, playground: 404 });
    expect((await pagesOf({})).inboxPath).toBeUndefined();
    expect(await pagesOf({ inbox: true })).toMatchObject({ inbox: 200, playground: 404 });
    expect(await pagesOf({ validApiKeys: ['k'], inbox: false, playground: true })).toMatchObject({
      inbox: 404,
      playground: 200,
    });
  });

  it('with oidc hands the page its issuer, client and audience, lets it call only that issuer, and serves the client library', async () => {
    const { origin } = await pagesOf({
      auth: { jwt: { ...JWT, claims: { tenant: 'tid' } } },
      inbox: {
        oidc: { clientId: 'inbox-page', audience: JWT.audience, scopes: ['profile', 'offline_access'] },
      },
    });
    const page = await fetch(`${origin}/inbox`);
    expect(page.headers.get('content-security-policy')).toContain(
      "connect-src 'self' https://login.example.com",
    );
    const html = await page.text();
    const content = /<meta name="gateway-oidc" content="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(JSON.parse(content.replaceAll('&quot;', '"').replaceAll('&amp;', '&'))).toEqual({
      issuer: JWT.issuer,
      clientId: 'inbox-page',
      scopes: ['openid', 'profile', 'offline_access'],
      audience: JWT.audience,
      tenantClaim: 'tid',
    });
    const library = await fetch(`${origin}/inbox/oauth4webapi.js`);
    expect(library.status).toBe(200);
    expect(library.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const shipped = readFileSync(createRequire(import.meta.url).resolve('oauth4webapi'), 'utf8');
    expect(await library.text()).toBe(shipped);
    expect((await fetch(`${origin}/inbox/index.js.map`)).status).toBe(404);
  });

  it('without oidc leaves the sign-in to a pasted token and the page calls only the gateway', async () => {
    const { origin } = await pagesOf({ validApiKeys: ['k'] });
    const page = await fetch(`${origin}/inbox`);
    expect(page.headers.get('content-security-policy')).not.toContain('connect-src');
    expect(await page.text()).toContain('<meta name="gateway-oidc" content="" />');
  });

  it('refuses oidc without server.auth.jwt, and an audience the gateway would refuse, naming the option', () => {
    const options = { systemPrompt: 'x', provider: 'anthropic', apiKey: 'k' } as const;
    expect(() =>
      createAgent({
        ...options,
        server: { validApiKeys: ['k'], inbox: { oidc: { clientId: 'inbox-page' } } },
      }),
    ).toThrow(/server\.inbox\.oidc: needs server\.auth\.jwt/);
    expect(() =>
      createAgent({
        ...options,
        server: {
          auth: { jwt: JWT },
          inbox: { oidc: { clientId: 'inbox-page', audience: 'https://other/api' } },
        },
      }),
    ).toThrow(/server\.inbox\.oidc\.audience: must be one of server\.auth\.jwt\.audience/);
    expect(() => createAgent({ ...options, server: { inbox: { oidc: {} } as never } })).toThrow(
      /server\.inbox/,
    );
  });
});
