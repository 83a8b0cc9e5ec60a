import { createRequire } from 'node:module';

import { INBOX_PATH } from '../contracts/inbox-address.js';
import type { InboxSettings } from '../contracts/inbox-option.js';
import { attribute, createPageHandlers, type PageHandlers } from './page-routes.js';

export { INBOX_PATH };

/** The page's files and their content types; nothing else under the path is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'inbox.js': 'text/javascript; charset=utf-8',
  'inbox-answers.js': 'text/javascript; charset=utf-8',
  'inbox-stream.js': 'text/javascript; charset=utf-8',
  'inbox-sign-in.js': 'text/javascript; charset=utf-8',
  'inbox-credentials.js': 'text/javascript; charset=utf-8',
  'inbox-item.js': 'text/javascript; charset=utf-8',
  'inbox.css': 'text/css; charset=utf-8',
};

/**
 * The OpenID Connect client library the page signs in with, served as the dependency ships it:
 * `oauth4webapi` is one dependency-free ES module written for browsers (and the base of
 * `openid-client`), so the flow is the maintained library's, not the page's own.
 */
const vendoredClientLibrary = (): Record<string, { type: string; path: string }> => ({
  'oauth4webapi.js': {
    type: 'text/javascript; charset=utf-8',
    path: createRequire(import.meta.url).resolve('oauth4webapi'),
  },
});

/** Options of `createInboxPageHandlers`. */
export interface InboxRouteOptions {
  /** The route prefix of the API the page talks to (`/api` by default). */
  prefix: string;
  /** `server.inbox`, resolved (its single sign-on, when configured). */
  settings: InboxSettings;
}

/**
 * Serves the approvals inbox: `GET /inbox` (one page, its scripts and style sheet, read from the
 * package and cached). The page speaks only the public API (`/approvals`, its stream and its
 * answers), with a token a person pastes or, with `oidc`, one the identity provider gives it
 * (its discovery, token and logout requests are the only other origin the page may call).
 */
export function createInboxPageHandlers(options: InboxRouteOptions): PageHandlers {
  const oidc = options.settings.oidc;
  const signIn =
    oidc === undefined
      ? ''
      : JSON.stringify({
          issuer: oidc.issuer,
          clientId: oidc.clientId,
          scopes: oidc.scopes,
          ...(oidc.audience === undefined ? {} : { audience: oidc.audience }),
          ...(oidc.tenantClaim === undefined ? {} : { tenantClaim: oidc.tenantClaim }),
        });
  return createPageHandlers({
    path: INBOX_PATH,
    page: 'inbox.html',
    assets: ASSETS,
    vendored: vendoredClientLibrary(),
    connectSources: oidc === undefined ? [] : [new URL(oidc.issuer).origin],
    fill: (html) =>
      html.replaceAll('__PREFIX__', attribute(options.prefix)).replaceAll('__OIDC__', attribute(signIn)),
  });
}
