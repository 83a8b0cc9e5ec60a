// @ts-check
/**
 * Single sign-on for the inbox page: the OpenID Connect authorization code flow with PKCE, as a
 * public client, at the issuer the gateway trusts, through `oauth4webapi` (served beside the
 * page). The PKCE verifier, the state and the item to come back to wait in sessionStorage for
 * the provider's redirect; the tokens never enter a URL: the code is swapped by a POST and the
 * address bar is cleaned at once. A refresh token, when the provider gives one, stays in memory
 * and renews the access token a minute before it expires; without one the page asks the person
 * to sign in again, and brings the same item back.
 */

import * as oauth from './oauth4webapi.js';
import { forgetCredentials, identityOf, keepCredentials, unverifiedClaimsOf } from './inbox-credentials.js';

/**
 * `server.inbox.oidc` as the gateway fills it in.
 * @typedef {{ issuer: string, clientId: string, scopes: string[], audience?: string, tenantClaim?: string }} SignInSettings
 */
/**
 * @typedef {{
 *   onSignedIn: (identity: import('./inbox-credentials.js').Identity) => void,
 *   onEnding: (identity: import('./inbox-credentials.js').Identity) => void,
 * }} SignInEvents
 */

const FLOW_KEY = 'agent-gateway-inbox-sign-in';
/** How long before the token's expiry it is renewed (or the person is asked to sign in again). */
const RENEW_BEFORE_MS = 60_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The settings in the page's `gateway-oidc` meta tag, or null without single sign-on. @returns {SignInSettings | null} */
export function signInSettingsOfPage() {
  const content = document.querySelector('meta[name="gateway-oidc"]')?.getAttribute('content') ?? '';
  return content === '' ? null : /** @type {SignInSettings} */ (JSON.parse(content));
}

/**
 * The single sign-on of the page.
 * @param {SignInSettings} settings
 * @param {SignInEvents} events
 */
export function createSingleSignOn(settings, events) {
  const issuer = new URL(settings.issuer);
  // Plain HTTP only for a provider on this machine (development, tests).
  const http =
    issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname)
      ? { [oauth.allowInsecureRequests]: true }
      : {};
  const client = { client_id: settings.clientId };
  const redirectUri = `${location.origin}${location.pathname}`;
  /** @type {Record<string, string>} */
  const resource =
    settings.audience === undefined ? {} : { resource: settings.audience, audience: settings.audience };
  /** @type {Promise<oauth.AuthorizationServer> | undefined} */
  let discovered;
  /** In memory only: gone with the tab. @type {string | undefined} */
  let refreshToken;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let renewal;

  const server = () => {
    discovered ??= oauth
      .discoveryRequest(issuer, { ...http, algorithm: 'oidc' })
      .then((response) => oauth.processDiscoveryResponse(issuer, response));
    return discovered;
  };

  /** Keeps a token response's access token and schedules its renewal. @param {oauth.TokenEndpointResponse} result */
  const adopt = (result) => {
    const idClaims = /** @type {Record<string, unknown>} */ (oauth.getValidatedIdTokenClaims(result) ?? {});
    const accessClaims = unverifiedClaimsOf(result.access_token) ?? {};
    const identity = identityOf({ ...accessClaims, ...idClaims }, 'oidc', settings.tenantClaim);
    identity.expiresAt =
      typeof result.expires_in === 'number'
        ? Date.now() + result.expires_in * 1000
        : typeof accessClaims['exp'] === 'number'
          ? accessClaims['exp'] * 1000
          : identity.expiresAt;
    if (result.refresh_token !== undefined) refreshToken = result.refresh_token;
    keepCredentials(result.access_token, identity);
    scheduleRenewal(identity);
    events.onSignedIn(identity);
  };

  /** @param {import('./inbox-credentials.js').Identity} identity */
  const scheduleRenewal = (identity) => {
    clearTimeout(renewal);
    if (identity.expiresAt === null) return;
    const lifetime = identity.expiresAt - Date.now();
    const delay = Math.max(0, lifetime - Math.min(RENEW_BEFORE_MS, lifetime / 2));
    renewal = setTimeout(() => void renew(identity), delay);
  };

  /** Renews with the refresh token; without one (or refused), asks for a new sign-in. @param {import('./inbox-credentials.js').Identity} identity */
  const renew = async (identity) => {
    if (refreshToken !== undefined) {
      try {
        const as = await server();
        const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, {
          ...http,
          additionalParameters: resource,
        });
        adopt(await oauth.processRefreshTokenResponse(as, client, response));
        return;
      } catch {
        refreshToken = undefined;
      }
    }
    events.onEnding(identity);
  };

  return {
    /**
     * Sends the person to the provider; `approvalId` (the item on screen) comes back with them.
     * @param {string | null} approvalId
     */
    async signIn(approvalId) {
      const as = await server();
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      sessionStorage.setItem(FLOW_KEY, JSON.stringify({ verifier, state, approvalId }));
      const address = new URL(/** @type {string} */ (as.authorization_endpoint));
      const parameters = {
        client_id: settings.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: settings.scopes.join(' '),
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        ...resource,
      };
      for (const [name, value] of Object.entries(parameters)) address.searchParams.set(name, value);
      location.assign(address.href);
    },

    /**
     * Finishes a sign-in when the page is the provider's redirect (a `code` or an `error` with
     * the state this tab sent): swaps the code, cleans the address bar and returns the item to
     * bring back (undefined when the page was not a redirect). Throws what the provider refused.
     * @returns {Promise<{ approvalId: string | null } | undefined>}
     */
    async complete() {
      const current = new URL(location.href);
      const stored = sessionStorage.getItem(FLOW_KEY);
      if (stored === null || !(current.searchParams.has('code') || current.searchParams.has('error')))
        return undefined;
      sessionStorage.removeItem(FLOW_KEY);
      const flow = /** @type {{ verifier: string, state: string, approvalId: string | null }} */ (
        JSON.parse(stored)
      );
      // The code leaves the address bar (and the history) before anything else happens.
      const back = new URL(redirectUri);
      if (flow.approvalId !== null) back.searchParams.set('approval', flow.approvalId);
      history.replaceState(null, '', back.href);
      const as = await server();
      const parameters = oauth.validateAuthResponse(as, client, current, flow.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        parameters,
        redirectUri,
        flow.verifier,
        {
          ...http,
          additionalParameters: resource,
        },
      );
      adopt(await oauth.processAuthorizationCodeResponse(as, client, response));
      return { approvalId: flow.approvalId };
    },

    /** Picks up the renewal of a token kept from before a reload. @param {import('./inbox-credentials.js').Identity} identity */
    resume: scheduleRenewal,

    /** Forgets the tokens here, then ends the provider's session where it offers that. */
    async signOut() {
      clearTimeout(renewal);
      refreshToken = undefined;
      forgetCredentials();
      const as = await server().catch(() => undefined);
      if (as?.end_session_endpoint === undefined) return;
      const address = new URL(as.end_session_endpoint);
      address.searchParams.set('client_id', settings.clientId);
      location.assign(address.href);
    },
  };
}
