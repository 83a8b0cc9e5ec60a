import { jsonOf, type HttpGatewayClient } from './gateway-client.js';

/**
 * Sends `method path` to the gateway as the session of `token`, with `body` as JSON when one is
 * given; returns the raw response.
 */
export const sendAs = (
  gateway: HttpGatewayClient,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Response> =>
  fetch(`${gateway.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** Opens a session of `user` with the server-side API key `apiKey`; resolves its token. */
export async function sessionTokenOf(
  gateway: HttpGatewayClient,
  apiKey: string,
  user: string,
): Promise<string> {
  return String((await jsonOf(await gateway.post('/chat/init', { api_key: apiKey, user })))['session_token']);
}
