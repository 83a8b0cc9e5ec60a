import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata } from 'oidc-provider';

/** panva's `oidc-provider` on 127.0.0.1: DCR, authorization code + PKCE, resource indicators. */
export interface OidcTestProvider {
  /** `http://127.0.0.1:<port>`: the issuer. */
  readonly issuer: string;
  /** Follows an authorization URL through login and consent, as the user `accountId`; returns the redirect with the code. */
  authorize(authorizationUrl: URL): Promise<URL>;
  close(): Promise<void>;
}

/** Options of `startOidcTestProvider`. */
export interface OidcTestProviderOptions {
  /** The scopes every resource server of this provider offers. */
  resourceScopes: string;
  /** The user who signs in and consents. */
  accountId: string;
  /** The tenant claim put in access tokens (`org_id`). */
  tenant?: string;
  /**
   * Serve the login and consent steps as HTML forms for a browser to fill in (a login field
   * `#login` with button `#sign-in`, then `#allow`) instead of answering them in code. Default
   * false; `authorize()` needs it off.
   */
  pages?: boolean;
  /**
   * People who sign in on the pages with a password (a `#password` field beside `#login`), with
   * the claims their ID tokens carry (`name`, `email`) and their tenant (`org_id` in access
   * tokens, instead of `tenant`). A wrong password shows the form again. Default: anyone, no
   * password.
   */
  accounts?: Readonly<Record<string, TestAccount>>;
  /** Clients registered in advance (e.g. a page's public client), besides dynamic registration. */
  clients?: ClientMetadata[];
  /** Whether a code grant of a client allowed `refresh_token` also gets a refresh token (default false). */
  refreshTokens?: boolean;
}

/** A person of `OidcTestProviderOptions.accounts`. */
export interface TestAccount {
  password: string;
  /** Claims of the `profile` and `email` scopes, e.g. `{ name, email }`. */
  claims: Readonly<Record<string, string>>;
  tenant?: string;
}

const LOGIN_FORM = (action: string, withPassword: boolean, problem: string): string =>
  `<h1>Sign in</h1>${problem === '' ? '' : `<p id="problem">${problem}</p>`}` +
  `<form method="post" action="${action}"><label>User <input id="login" name="login"></label>` +
  (withPassword ? '<label>Password <input id="password" name="password" type="password"></label>' : '') +
  '<button id="sign-in" type="submit">Sign in</button></form>';

/**
 * Starts the provider with its interactions answered in code: the login step signs in
 * `accountId`, the consent step grants the requested scopes on the requested resource, which
 * is what a person would click. Access tokens for a resource are JWTs (RFC 9068) whose
 * audience is that resource (RFC 8707).
 */
export async function startOidcTestProvider(options: OidcTestProviderOptions): Promise<OidcTestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    // Resource scopes are offered to dynamically registered clients too.
    scopes: ['openid', 'offline_access', ...options.resourceScopes.split(' ')],
    findAccount: (_context, sub) => ({
      accountId: sub,
      claims: () => ({ sub, ...options.accounts?.[sub]?.claims }),
    }),
    claims: {
      acr: null,
      sid: null,
      auth_time: null,
      iss: null,
      openid: ['sub'],
      profile: ['name'],
      email: ['email'],
    },
    // The profile and e-mail claims in the ID token, where a page reads who signed in.
    conformIdTokenClaims: false,
    clients: options.clients ?? [],
    issueRefreshToken: (_context, client) =>
      options.refreshTokens === true && client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_context, _client, oneOf): string =>
          Array.isArray(oneOf) ? String(oneOf[0] ?? '') : String(oneOf ?? ''),
        useGrantedResource: () => true,
        getResourceServerInfo: (_context, resource) => ({
          scope: options.resourceScopes,
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_context, token) => {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const tenant =
        (accountId === undefined ? undefined : options.accounts?.[accountId]?.tenant) ?? options.tenant;
      return tenant === undefined ? {} : { org_id: tenant };
    },
    interactions: { url: (_context, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
  });
  const callback = provider.callback();

  /** The consent a person's "Allow" gives: the scopes asked for, at the provider and on the resource. */
  const consent = async (
    details: Awaited<ReturnType<typeof provider.interactionDetails>>,
    accountId: string,
  ) => {
    const grant = new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
    const requested = details.params['scope'];
    const scope = typeof requested === 'string' ? requested : '';
    // The scopes asked for, at the provider and on the resource: what a person's "Allow" grants.
    if (scope !== '') grant.addOIDCScope(scope);
    const resource = details.params['resource'];
    for (const indicator of Array.isArray(resource) ? resource : [resource]) {
      if (typeof indicator === 'string') grant.addResourceScope(indicator, options.resourceScopes);
    }
    return { consent: { grantId: await grant.save() } };
  };

  const interact = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(request, response);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(request, response, { login: { accountId: options.accountId } });
      return;
    }
    await provider.interactionFinished(request, response, await consent(details, options.accountId), {
      mergeWithLastSubmission: true,
    });
  };

  /** The same steps as pages: a form per step, answered by what the browser posts. */
  const interactWithPages = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(request, response);
    const action = `/interaction/${details.uid}`;
    if (request.method === 'GET') {
      const form =
        details.prompt.name === 'login'
          ? LOGIN_FORM(action, options.accounts !== undefined, '')
          : `<h1>Allow access?</h1><form method="post" action="${action}">` +
            '<button id="allow" type="submit">Allow</button></form>';
      page(response, form);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const posted = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    if (details.prompt.name === 'login' && options.accounts !== undefined) {
      const account = options.accounts[posted.get('login') ?? ''];
      if (account === undefined || account.password !== posted.get('password')) {
        page(response, LOGIN_FORM(action, true, 'Wrong user or password'));
        return;
      }
    }
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(request, response, {
        login: { accountId: posted.get('login') ?? '' },
      });
      return;
    }
    await provider.interactionFinished(
      request,
      response,
      await consent(details, String(details.session?.accountId ?? '')),
      { mergeWithLastSubmission: true },
    );
  };

  const page = (response: ServerResponse, body: string): void => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html><head><title>Test provider</title></head><body>${body}</body></html>`);
  };

  server.on('request', (request, response) => {
    if (request.url?.startsWith('/interaction/') === true) {
      (options.pages === true ? interactWithPages : interact)(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
      return;
    }
    void callback(request, response);
  });

  return {
    issuer,
    async authorize(authorizationUrl) {
      // A browser's cookie jar, reduced to what the provider sets.
      const cookies = new Map<string, string>();
      let next = authorizationUrl;
      for (let hop = 0; hop < 20; hop += 1) {
        if (!next.href.startsWith(issuer)) return next;
        const response = await fetch(next, {
          redirect: 'manual',
          headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
        });
        for (const line of response.headers.getSetCookie()) {
          const [pair = ''] = line.split(';');
          const separator = pair.indexOf('=');
          cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
        }
        const location = response.headers.get('location');
        await response.body?.cancel();
        if (location === null)
          throw new Error(`authorization stopped at ${next.href} with ${response.status}`);
        next = new URL(location, next);
      }
      throw new Error('too many redirects during authorization');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
