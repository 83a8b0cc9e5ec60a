import { HttpError } from '../../core/http-error.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import type { RequestAuthenticator } from '../auth/create-request-authenticator.js';
import { clientAddressOf } from '../connections/client-address-of-request.js';
import { clientAddressKey, peerAddressOf } from '../connections/connection-of-request.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { ChatInitBody, ChatInitPrincipalBody } from '../contracts/request-schemas.js';
import { parseBody } from '../http/parse-body.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import { refreshSchedulePrincipal } from '../schedules/refresh-schedule-principal.js';
import type { AuthManager } from '../sessions/create-auth-manager.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import type { RouteHandler } from '../http/route-handler.js';

/** What the session routes need: the sessions, the limits and who a caller is. */
export interface SessionRouteContext {
  config: Pick<GatewayServerConfig, 'database'>;
  auth: AuthManager;
  limits: HttpLimits;
  authenticator: RequestAuthenticator;
  readBody: (request: Request) => Promise<unknown>;
  report: (error: unknown, where: string) => void;
}

/** The handlers of the session routes. */
export interface SessionHandlers {
  init: RouteHandler;
  logout: RouteHandler;
}

/**
 * `POST /chat/init`: a session, counted per client address and API key; `DELETE /chat/session`:
 * its end (logout), 204, refused 401 as any request of the session would be.
 */
export function createSessionHandlers(context: SessionRouteContext): SessionHandlers {
  const { auth, limits, authenticator } = context;
  const init: RouteHandler = async (c) => {
    // Per client address: sessions cost memory, and an open demo takes any key.
    // Behind a trusted proxy, the client it names; else the socket's peer.
    const address = clientAddressOf(c.req.raw) ?? peerAddressOf(c.req.raw);
    if (address !== undefined) await limits.countSessionInit(clientAddressKey(address));
    // A signed-in caller (JWT, the app's hook) binds the new session to its principal.
    const principal = await authenticator.principalOf(c.req.raw);
    if (principal !== undefined) {
      const initBody = parseBody(ChatInitPrincipalBody, await context.readBody(c.req.raw));
      if (initBody.user !== undefined) {
        throw new HttpError(403, {
          detail: 'A signed-in caller may not assert another user: the token already says who it is',
          code: 'user_assertion_forbidden',
        });
      }
      const opened = await auth.initPrincipalSession(principal);
      await limits.countRequest(identityOfPrincipal(principal).apiKeyHash);
      refreshSchedulePrincipal(context.config.database, principal, context.report);
      return c.json(opened);
    }
    const body = parseBody(ChatInitBody, await context.readBody(c.req.raw));
    if (typeof body.api_key === 'string' && body.api_key !== '')
      await limits.countRequest(hashApiKey(body.api_key));
    return c.json(await auth.initSession(body.api_key, body.user));
  };
  // Logout: the session ends now, on every instance that shares the store.
  const logout: RouteHandler = async (c) => {
    await auth.logout(c.req.header('authorization'));
    return c.body(null, 204);
  };
  return { init, logout };
}
