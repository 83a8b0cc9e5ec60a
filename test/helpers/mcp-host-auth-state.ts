import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** What an MCP host keeps between the steps of the flow, in memory. */
export function createHostAuthState(redirectUrl: string): OAuthClientProvider & {
  authorizationUrl: URL | undefined;
  saved: OAuthTokens | undefined;
} {
  let client: OAuthClientInformationMixed | undefined;
  let verifier = '';
  const state = {
    authorizationUrl: undefined as URL | undefined,
    saved: undefined as OAuthTokens | undefined,
    get redirectUrl() {
      return redirectUrl;
    },
    get clientMetadata() {
      return {
        client_name: 'gateway test host',
        redirect_uris: [redirectUrl],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    clientInformation: () => client,
    saveClientInformation: (information: OAuthClientInformationMixed) => {
      client = information;
    },
    tokens: () => state.saved,
    saveTokens: (tokens: OAuthTokens) => {
      state.saved = tokens;
    },
    redirectToAuthorization: (url: URL) => {
      state.authorizationUrl = url;
    },
    saveCodeVerifier: (codeVerifier: string) => {
      verifier = codeVerifier;
    },
    codeVerifier: () => verifier,
  };
  return state;
}
