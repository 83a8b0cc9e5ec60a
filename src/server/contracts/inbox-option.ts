import { z } from 'zod';
import type { AuthSettings } from './auth-option.js';

/** A scope token (RFC 6749 section 3.3). */
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token');

/** `server.inbox.oidc`: the page signs people in at the issuer of `server.auth.jwt`. */
const inboxOidcSchema = z.strictObject({
  /** The page's client id at the provider: a public client (no secret) using PKCE. */
  clientId: z.string().trim().min(1).max(500),
  /** Scopes asked for (default `openid profile email`); `openid` is always asked. */
  scopes: z.array(scopeToken).min(1).optional(),
  /**
   * The API the access token is for, sent as `resource` (RFC 8707) and `audience` (Auth0's name):
   * needed where the provider issues tokens for one API at a time. It must be one of
   * `server.auth.jwt.audience`.
   */
  audience: z.string().trim().min(1).optional(),
});

/**
 * `server.inbox`: the approvals inbox page at `GET /inbox`. `true`, `false`, or `{ oidc }` to
 * sign people in with the identity provider the gateway trusts. Unset: on whenever the gateway
 * authenticates requests (`server.validApiKeys`, `server.auth.jwt` or `server.auth.authenticate`),
 * which is where approvers are; independent of `server.playground`.
 */
export const inboxOptionSchema = z.union(
  [z.boolean(), z.strictObject({ oidc: inboxOidcSchema.optional() })],
  { error: 'must be true, false or { oidc: { clientId, scopes?, audience? } }' },
);

/** `server.inbox` as written. */
export type InboxOption = z.input<typeof inboxOptionSchema>;

/** The page's single sign-on, resolved: the issuer is `server.auth.jwt.issuer`. */
export interface InboxOidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly audience: string | undefined;
  /** The claim the gateway reads the tenant from, when it names one (the page shows it). */
  readonly tenantClaim: string | undefined;
}

/** `server.inbox` resolved: undefined when the page is off. */
export interface InboxSettings {
  readonly oidc: InboxOidcSettings | undefined;
}

/** What `inboxSettingsOf` reads of the server settings. */
export interface InboxSources {
  readonly inbox?: z.output<typeof inboxOptionSchema> | undefined;
  readonly auth: AuthSettings;
  readonly validApiKeys: readonly string[];
}

/** Whether the gateway knows who calls it (and so who may approve), beyond "any key". */
export const authenticatesRequests = (sources: Pick<InboxSources, 'auth' | 'validApiKeys'>): boolean =>
  sources.validApiKeys.length > 0 ||
  sources.auth.jwt !== undefined ||
  sources.auth.authenticate !== undefined;

/**
 * Resolves `server.inbox`: its default (on when the gateway authenticates requests) and the
 * single sign-on's issuer and claims from `server.auth.jwt`. The schema has already refused
 * `oidc` without `auth.jwt`.
 */
export function inboxSettingsOf(sources: InboxSources): InboxSettings | undefined {
  const inbox = sources.inbox ?? authenticatesRequests(sources);
  if (inbox === false) return undefined;
  const oidc = inbox === true ? undefined : inbox.oidc;
  const jwt = sources.auth.jwt;
  if (oidc === undefined || jwt === undefined) return { oidc: undefined };
  const scopes = oidc.scopes ?? ['openid', 'profile', 'email'];
  return {
    oidc: {
      issuer: jwt.issuer,
      clientId: oidc.clientId,
      scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
      audience: oidc.audience,
      tenantClaim: typeof jwt.claims === 'object' ? jwt.claims.tenant : undefined,
    },
  };
}

/** What the `server` group's refinements of `inbox` read. */
interface InboxRefined {
  readonly inbox?: z.output<typeof inboxOptionSchema> | undefined;
  readonly auth: AuthSettings;
}

const oidcOf = (server: InboxRefined) => (typeof server.inbox === 'object' ? server.inbox.oidc : undefined);

/** `inbox.oidc` needs the issuer of `auth.jwt`: the page signs in there, the gateway verifies there. */
export const hasInboxIssuer = (server: InboxRefined): boolean =>
  oidcOf(server) === undefined || server.auth.jwt !== undefined;

/** `inbox.oidc.audience`, when set, is one the gateway accepts (else every token is refused). */
export const hasAcceptedInboxAudience = (server: InboxRefined): boolean => {
  const audience = oidcOf(server)?.audience;
  const accepted = server.auth.jwt?.audience;
  if (audience === undefined || accepted === undefined) return true;
  return typeof accepted === 'string' ? accepted === audience : accepted.includes(audience);
};
