import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Logger } from '../../core/logger.js';
import type { SessionPrincipal } from '../../core/principal.js';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError, isHttpError } from '../../core/http-error.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import type { AuthManager } from '../sessions/create-auth-manager.js';
import type { AuthSettings } from '../contracts/auth-option.js';
import { AuthRefusal } from './auth-refusal.js';
import { createJwtVerifier, type JwtVerifier } from './create-jwt-verifier.js';
import { restAudiencesOf } from './audience-surfaces.js';
import { hookPrincipalOf } from './hook-principal.js';
import { identityOfApiKeyBearer, identityOfPrincipal } from '../sessions/principal-session.js';

/** What a route asks of its caller beyond a valid credential. */
export interface AuthenticateOptions {
  /** Accept a listed API key itself as the bearer (`/api/mcp`, `/api/a2a`). */
  apiKeyBearer?: boolean;
  /** The audience a JWT must carry here (the MCP endpoint's URL, RFC 8707). */
  audience?: string;
  /** Refuse a principal without every `server.auth.jwt.requiredScopes` (403 `insufficient_scope`). */
  requireScopes?: boolean;
}

/** Options of `createRequestAuthenticator`. */
export interface RequestAuthenticatorOptions {
  auth: AuthManager;
  settings: AuthSettings;
  logger: Logger;
  /** The verifier of `settings.jwt`; made from it when not given. */
  jwtVerifier?: JwtVerifier;
  /** `server.prefix` (normalized): where the MCP resource is, to tell its audience from the REST API's. */
  prefix?: string;
}

/** Finds who sent a request, by every method `server.auth` turns on. */
export interface RequestAuthenticator {
  /**
   * The session of the request's caller: the `authenticate` hook's principal, a bearer JWT, a
   * listed API key as bearer (when asked), or a session token, in that order. A refusal is a
   * 401 `HttpError` (its reason logged), never another error.
   */
  authenticate(request: Request, options?: AuthenticateOptions): Promise<SessionRecord>;
  /**
   * The principal of a request that proves one without a session (hook or JWT), for
   * `/chat/init`; undefined when it carries no such credential, 401 when it carries a bad one.
   */
  principalOf(request: Request): Promise<SessionPrincipal | undefined>;
  /** The scopes `requireScopes` asks for (empty when none). */
  readonly requiredScopes: readonly string[];
}

/** A token of ours (`/chat/init`'s session token): HS256 with a `session_id` claim. */
const isSessionToken = (token: string): boolean => {
  try {
    return decodeProtectedHeader(token).alg === 'HS256' && typeof decodeJwt(token)['session_id'] === 'string';
  } catch {
    return false;
  }
};

/** Three dot-separated parts: a JWT (or an attempt at one), never an API key. */
const isJwtShaped = (token: string): boolean => token.split('.').length === 3;

/** The bearer token of an `Authorization` header value, if it names one. */
const bearerOf = (header: string | null): string | undefined => {
  if (header === null || !/^Bearer /i.test(header)) return undefined;
  const token = header.slice('Bearer '.length).trim();
  return token === '' ? undefined : token;
};

/**
 * Creates the authenticator every session route uses. JWTs are told apart from session tokens
 * by shape (a session token is HS256 and carries `session_id`); every other JWT-shaped bearer
 * goes to the JWT verifier when `jwt` is on, so a forged token is refused with its real reason
 * ("wrong issuer", "algorithm not allowed") rather than as a bad session token.
 */
export function createRequestAuthenticator(options: RequestAuthenticatorOptions): RequestAuthenticator {
  const { auth, settings, logger } = options;
  const verifier =
    options.jwtVerifier ??
    (settings.jwt === undefined ? undefined : createJwtVerifier({ settings: settings.jwt }));
  const requiredScopes = settings.jwt?.requiredScopes ?? [];
  const restAudiences = settings.jwt === undefined ? [] : restAudiencesOf(settings.jwt, options.prefix ?? '');
  const apiKeyBearerRefusal = settings.apiKeys
    ? 'Invalid API key: the bearer is neither a session token nor one of server.validApiKeys (here an API key is accepted as the bearer only when that list names it)'
    : 'Invalid API key: API keys are not accepted (server.auth.apiKeys is off); send an access token or a session token';
  const sameTokenForRestAndMcp = settings.jwt?.sameTokenForRestAndMcp === true;

  const refuse = (request: Request, reason: string, error: HttpError): never => {
    logger.info('authentication refused', { reason, path: new URL(request.url).pathname });
    throw error;
  };

  /** The hook's principal, or undefined when it declines. */
  const principalOfHook = (request: Request): Promise<SessionPrincipal | undefined> =>
    hookPrincipalOf(settings.authenticate, request, refuse);

  const jwtPrincipalOf = async (
    request: Request,
    token: string,
    audience: string | undefined,
  ): Promise<SessionPrincipal | undefined> => {
    if (verifier === undefined || !isJwtShaped(token) || isSessionToken(token)) return undefined;
    try {
      return await verifier.verify(
        token,
        audience === undefined ? { audiences: restAudiences } : { audience },
      );
    } catch (error) {
      if (error instanceof AuthRefusal) return refuse(request, error.reason, error.toHttpError());
      throw error;
    }
  };

  const checkScopes = (request: Request, session: SessionRecord): SessionRecord => {
    const granted = session.principal?.scopes;
    if (granted === undefined) return session;
    const missing = requiredScopes.filter((scope) => !granted.includes(scope));
    if (missing.length === 0) return session;
    return refuse(
      request,
      `insufficient scope (missing ${missing.join(' ')})`,
      new HttpError(403, {
        detail: `The token lacks the scope(s) ${missing.join(' ')}`,
        code: 'insufficient_scope',
      }),
    );
  };

  /**
   * Refuses a session made from a JWT where the JWT itself would be refused: on `/api/mcp`
   * unless the token named that resource, on the REST API unless it named a REST audience.
   */
  const checkSessionAudience = (
    request: Request,
    session: SessionRecord,
    audience: string | undefined,
  ): SessionRecord => {
    const granted = session.principal?.audiences;
    if (granted === undefined || sameTokenForRestAndMcp) return session;
    const accepted =
      audience === undefined
        ? granted.some((item) => restAudiences.includes(item))
        : granted.includes(audience);
    if (accepted) return session;
    return refuse(
      request,
      'session of a token for another audience',
      HttpError.detail(
        401,
        audience === undefined
          ? 'This session was made from a token for another audience (the MCP resource): it is not accepted on the REST API'
          : `This session was made from a token for another audience: on this endpoint a token must name ${audience} in "aud"`,
      ),
    );
  };

  const sessionOfRequest = async (
    request: Request,
    routeOptions: AuthenticateOptions,
  ): Promise<SessionRecord> => {
    // Without a hook or JWTs (the default), no awaiting of what cannot apply.
    const hookPrincipal = settings.authenticate === undefined ? undefined : await principalOfHook(request);
    if (hookPrincipal !== undefined) return auth.sessionOf(identityOfPrincipal(hookPrincipal));
    // Read once: the bearer and the session token are the same header.
    const authorization = request.headers.get('authorization');
    const token = bearerOf(authorization);
    if (token !== undefined) {
      const principal =
        verifier === undefined ? undefined : await jwtPrincipalOf(request, token, routeOptions.audience);
      if (principal !== undefined) return auth.sessionOf(identityOfPrincipal(principal));
      if (routeOptions.apiKeyBearer === true && !isJwtShaped(token) && auth.isListedApiKey(token)) {
        logger.debug('API key accepted as bearer', { apiKeyHash: hashApiKey(token) });
        return auth.sessionOf(identityOfApiKeyBearer(token));
      }
      // Not JWT-shaped, so no session token either: say what it failed as.
      if (routeOptions.apiKeyBearer === true && !isJwtShaped(token)) {
        return refuse(request, 'API key bearer not listed', HttpError.detail(401, apiKeyBearerRefusal));
      }
    }
    let session: SessionRecord;
    try {
      session = await auth.authenticate(authorization);
    } catch (error) {
      if (isHttpError(error, 401)) {
        const body = error.body as { detail?: unknown };
        return refuse(
          request,
          typeof body.detail === 'string' ? body.detail : 'invalid session token',
          error,
        );
      }
      throw error;
    }
    return checkSessionAudience(request, session, routeOptions.audience);
  };

  return {
    requiredScopes,
    // Not `async`: a route that asks for no scopes (the chat's) costs no promise of its own.
    authenticate(request, routeOptions = {}) {
      const session = sessionOfRequest(request, routeOptions);
      return routeOptions.requireScopes === true
        ? session.then((found) => checkScopes(request, found))
        : session;
    },
    async principalOf(request) {
      const hookPrincipal = await principalOfHook(request);
      if (hookPrincipal !== undefined) return hookPrincipal;
      const token = bearerOf(request.headers.get('authorization'));
      return token === undefined ? undefined : jwtPrincipalOf(request, token, undefined);
    },
  };
}
