// @ts-check
/**
 * What the inbox page holds to call the gateway: one bearer token, and who it is for. Both live
 * in this tab's sessionStorage only (never localStorage, never a URL, never the console), so a
 * reload keeps the person signed in and closing the tab forgets them.
 */

const TOKEN_KEY = 'agent-gateway-inbox-token';
const IDENTITY_KEY = 'agent-gateway-inbox-identity';

/**
 * Who is signed in, as the page shows it. `via`: `oidc` (single sign-on), `session` (a session
 * opened from an API key) or `token` (a pasted bearer token). `expiresAt`: epoch ms, if known.
 * @typedef {{ via: 'oidc' | 'session' | 'token', name: string | null, subject: string | null,
 *   tenant: string | null, expiresAt: number | null }} Identity
 */

/** The bearer token, or null when signed out. */
export const currentToken = () => sessionStorage.getItem(TOKEN_KEY);

/** @returns {Identity | null} */
export function currentIdentity() {
  const stored = sessionStorage.getItem(IDENTITY_KEY);
  if (stored === null || currentToken() === null) return null;
  /** @type {Identity} */
  const identity = JSON.parse(stored);
  return identity;
}

/** Keeps `token` for `identity`. @param {string} token @param {Identity} identity */
export function keepCredentials(token, identity) {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(IDENTITY_KEY, JSON.stringify(identity));
}

/** Forgets the token and who it was for. */
export function forgetCredentials() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(IDENTITY_KEY);
}

/**
 * The claims of a JWT, read for display only (the gateway verifies the token; the page never
 * trusts what it reads here). Null for anything that is not a JWT (an opaque token).
 * @param {string} token
 * @returns {Record<string, unknown> | null}
 */
export function unverifiedClaimsOf(token) {
  const [, payload] = token.split('.');
  if (payload === undefined || token.split('.').length !== 3) return null;
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
    const claims = /** @type {unknown} */ (
      JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))))
    );
    return typeof claims === 'object' && claims !== null
      ? /** @type {Record<string, unknown>} */ (claims)
      : null;
  } catch {
    return null;
  }
}

/** @param {unknown} value */
const text = (value) => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Who a set of claims names: name or e-mail, subject, tenant (`tenantClaim`, else `org_id`,
 * `tenant` or `tid`) and expiry (`exp`).
 * @param {Record<string, unknown>} claims
 * @param {Identity['via']} via
 * @param {string | undefined} [tenantClaim]
 * @returns {Identity}
 */
export function identityOf(claims, via, tenantClaim) {
  const tenant = [tenantClaim, 'org_id', 'tenant', 'tid']
    .map((name) => (name === undefined ? null : text(claims[name])))
    .find((value) => value !== null);
  return {
    via,
    name: text(claims['name']) ?? text(claims['email']) ?? text(claims['preferred_username']),
    subject: text(claims['sub']),
    tenant: tenant ?? null,
    expiresAt: typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : null,
  };
}

/** "14:05", or "Nov 30, 14:05" when not today. @param {number} epochMs */
export function clockTimeOf(epochMs) {
  const at = new Date(epochMs);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === new Date().toDateString()
    ? time
    : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${time}`;
}

/** The line the page's header shows. @param {Identity} identity */
export function signedInLine(identity) {
  const who = [identity.name, identity.subject === identity.name ? null : identity.subject]
    .filter((part) => part !== null)
    .join(' · ');
  const tenant = identity.tenant === null ? '' : `, tenant ${identity.tenant}`;
  const until = identity.expiresAt === null ? '' : ` until ${clockTimeOf(identity.expiresAt)}`;
  if (identity.via === 'session') return `Signed in with an API key${until}`;
  return `${who === '' ? 'Signed in with a token' : `Signed in as ${who}`}${tenant}${until}`;
}
