import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { RunRegistry } from '../chat/run-registry.js';
import type { SessionRuns } from '../chat/session-runs.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { HttpError } from '../../core/http-error.js';
import { parseBody } from '../http/parse-body.js';
import { createJsonBodyReader } from '../http/read-json-body.js';
import { parseChatBody } from '../http/parse-chat-body.js';
import { requireJsonContentType } from '../http/require-json-content-type.js';
import { ChatInitBody, ChatInitPrincipalBody } from '../contracts/request-schemas.js';
import type { AuthenticateOptions, RequestAuthenticator } from '../auth/create-request-authenticator.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import type { AuthManager } from '../sessions/create-auth-manager.js';
import { clientAddressKey, peerAddressOf } from '../connections/connection-of-request.js';
import { clientAddressOf } from '../connections/client-address-of-request.js';
import { createRunStreams, mountChatStreamRoute, type RunStreams } from './run-streams.js';
import { isSharedStores, type SharedStores } from '../chat/remote-runs.js';
import type { SharedRunSettings } from '../chat/share-run.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import type { RunCaps } from '../chat/run-caps.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import { createSessionCheck, createSessionMiddleware, type SessionEnv } from '../http/session-middleware.js';
import type { RequestAuthorizer, RouteOfRequest } from '../auth/request-authorizer.js';
import { normalizePrefix } from '../contracts/normalize-prefix.js';
import { answerOtherMethodsWith405 } from './answer-other-methods.js';
import type { ToolHistorySigner } from '../protocols/tool-history-signatures.js';
import { continueThread } from '../threads/continue-thread.js';
import type { RunActions } from './run-actions.js';
import type { RunQueue } from '../runs/run-queue.js';
import { mountHealthRoutes } from './health-routes.js';
import type { Readiness } from '../contracts/readiness.js';
import { mountProtocolRoutes } from './mount-protocol-routes.js';
import { refreshSchedulePrincipal } from '../schedules/refresh-schedule-principal.js';
import { startWithMultitask, type StartWithMultitaskOptions } from '../chat/start-with-multitask.js';
import { mountRunActionRoutes } from './run-action-routes.js';
import type { ChurnSet } from '../../core/churn-map.js';

/** What the routes share with the app that mounts them. */
export interface GatewayRouteDependencies {
  config: GatewayServerConfig;
  stores: GatewayStores;
  auth: AuthManager;
  /** Who sent a request: session tokens, JWTs, the `authenticate` hook (`server.auth`). */
  authenticator: RequestAuthenticator;
  allowedModels: ReadonlySet<string>;
  maxBodyBytes: number;
  /** The runs of this instance: active, recent, and who follows them. */
  runs: RunRegistry;
  /** Per-API-key request limits and token budgets. */
  limits: HttpLimits;
  /** Caps per API key on runs and pending answers. */
  caps: RunCaps;
  /** Set when the stores are shared: runs are mirrored and reachable from other instances. */
  shared?: SharedRunSettings;
  isClosing: () => boolean;
  /** What `GET /health/ready` answers (`createGatewayReadiness`). */
  readiness: () => Promise<Readiness>;
  /** Whether the app's `start()` failed: liveness then answers 503, so the process is restarted. */
  hasStartFailed: () => boolean;
  /** Chat runs being started (runtime build, registration): `close()` waits for them. */
  runStarts: ChurnSet<Promise<unknown>>;
  report: (error: unknown, where: string) => void;
  /** Counts an opened SSE stream (metrics); returns the function that counts it closed. */
  trackStream?: () => () => void;
  /** Signs tool calls and results sent to `/ui/chat` and `/ag-ui` clients, checks those sent back. */
  toolSignatures: ToolHistorySigner;
  /** The session-token secret, whatever its source (`ProtocolRouteContext.sessionSecret`). */
  sessionSecret: string;
  /** The app's session runs (made by the composition: its background work starts runs through them too). */
  sessionRuns: SessionRuns;
  /** `server.authorize`'s, when set. */
  authorizer: RequestAuthorizer | undefined;
  /** Cancelling a session's run and answering its pending answers. */
  actions: RunActions;
  /** The database's queue of enqueued runs (with `server.database`), where `POST /runs` enqueues. */
  /** Wakes every instance's schedule firer for a schedule's next fire (`ScheduleWake.scheduleDue`). */
  scheduleDue?: ((dueAt: number) => void) | undefined;
  queuedRuns?: RunQueue | undefined;
  /** Mounts routes that live at the root rather than under the prefix (the A2A agent card). */
  mountAtRoot: (routes: Hono) => void;
  /** Registers what `close()` must release (push deliveries). */
  onClose: (close: () => void) => void;
}

/** What every route of the app uses: the session's runs, its middleware and the body reader. */
export interface RouteBasics {
  sessionRuns: SessionRuns;
  /** Set when the stores are shared and runs are mirrored there. */
  sharedStores: SharedStores | undefined;
  requireSession: MiddlewareHandler<SessionEnv>;
  /** What `requireSession` does, for a route that does it in its own handler; resolves to the session. */
  checkSession: (context: Context<SessionEnv>) => Promise<SessionRecord>;
  /** The session middleware of a protocol route with its own demands (MCP, A2A). */
  requireSessionFor: (options: AuthenticateOptions) => MiddlewareHandler<SessionEnv>;
  /** 503 once the gateway is shutting down. */
  refuseWhileClosing: MiddlewareHandler;
  /** What `refuseWhileClosing` does, for a route that does it in its own handler (throws the 503). */
  throwIfClosing: () => void;
  /** 503 with `retry-after` while the shared store is unreachable. */
  refuseWhileStoreDown: MiddlewareHandler;
  readBody: (request: Request) => Promise<unknown>;
  streams: RunStreams;
  /** `server.authorize`'s, when set. */
  authorizer: RequestAuthorizer | undefined;
}

/**
 * The gateway's routes (relative to the prefix): `POST /chat/init`, `POST /chat` (SSE),
 * `POST /chat/tool-approval`, `POST /chat/tool-result`, `GET /health` and `GET /health/live`
 * (liveness), `GET /health/ready` (readiness) and `GET /health/details` (the
 * circuits, with a session). Handlers throw
 * `HttpError`s; the app's error handler renders them. The recipe: health, session init, chat and
 * its stream, the run actions (cancel and the answers), the protocol adapters, then 405 for
 * every other method of a known path.
 */
export function createGatewayRoutes(dependencies: GatewayRouteDependencies): Hono<SessionEnv> {
  const routes = new Hono<SessionEnv>();
  const basics = routeBasicsOf(dependencies);
  mountHealthRoutes(routes, {
    readiness: dependencies.readiness,
    hasStartFailed: dependencies.hasStartFailed,
    circuits: () => dependencies.config.circuitBreaker?.snapshot() ?? [],
    requireSession: basics.requireSession,
  });
  mountSessionInitRoute(routes, dependencies, basics);
  const actions = mountRunActionRoutes(routes, dependencies, basics);
  mountChatRoute(routes, dependencies, basics, actions);
  mountChatStreamRoute(routes, { ...basics, runs: dependencies.runs });
  mountProtocolRoutes(routes, dependencies, basics, actions);
  answerOtherMethodsWith405(routes);
  return routes;
}

/** The session's runs and the middleware. */
function routeBasicsOf(dependencies: GatewayRouteDependencies): RouteBasics {
  const { config, stores, authenticator, maxBodyBytes, limits, shared, sessionRuns, authorizer } =
    dependencies;
  const sharedStores = shared !== undefined && isSharedStores(stores) ? stores : undefined;
  const authorizing =
    authorizer === undefined
      ? {}
      : {
          authorize: (session: SessionRecord, route: RouteOfRequest) => authorizer.checkRoute(session, route),
          prefix: normalizePrefix(config.prefix),
        };
  const sessionOptions = {
    authenticate: (request: Request) => authenticator.authenticate(request),
    limits,
    ...authorizing,
  };
  const requireSession = createSessionMiddleware(sessionOptions);
  const checkSession = createSessionCheck(sessionOptions);
  const requireSessionFor = (options: AuthenticateOptions) =>
    createSessionMiddleware({
      authenticate: (request) => authenticator.authenticate(request, options),
      limits,
      ...authorizing,
    });
  const readJsonBody = createJsonBodyReader({ maxBytes: maxBodyBytes, maxDepth: config.maxJsonDepth });
  const readBody = (request: Request): Promise<unknown> => {
    requireJsonContentType(request);
    return readJsonBody(request, request.signal);
  };
  const throwIfClosing = (): void => {
    if (dependencies.isClosing()) throw HttpError.detail(503, 'Gateway is shutting down');
  };
  const refuseWhileClosing: MiddlewareHandler = (_context, next) => {
    throwIfClosing();
    return next();
  };
  // Answers and cancels are refused while the store is unreachable, rather than held (and
  // perhaps lost) in the client's connection: the client retries after `retry-after`.
  const refuseWhileStoreDown: MiddlewareHandler = async (_context, next) => {
    if (stores.isAvailable?.() === false) {
      throw HttpError.detail(503, 'The shared store is unreachable; retry', {
        headers: { 'retry-after': '1' },
      });
    }
    await next();
  };
  const streams = createRunStreams({ ...dependencies, sessionRuns });
  return {
    sessionRuns,
    sharedStores,
    requireSession,
    checkSession,
    requireSessionFor,
    refuseWhileClosing,
    throwIfClosing,
    refuseWhileStoreDown,
    readBody,
    streams,
    authorizer,
  };
}

/**
 * `POST /chat/init`: a session, counted per client address and API key; `DELETE /chat/session`:
 * its end (logout), 204, refused 401 as any request of the session would be.
 */
function mountSessionInitRoute(
  routes: Hono<SessionEnv>,
  dependencies: GatewayRouteDependencies,
  basics: RouteBasics,
): void {
  const { auth, limits, authenticator } = dependencies;
  routes.post('/chat/init', async (context) => {
    // Per client address: sessions cost memory, and an open demo takes any key.
    // Behind a trusted proxy, the client it names; else the socket's peer.
    const address = clientAddressOf(context.req.raw) ?? peerAddressOf(context.req.raw);
    if (address !== undefined) await limits.countSessionInit(clientAddressKey(address));
    // A signed-in caller (JWT, the app's hook) binds the new session to its principal.
    const principal = await authenticator.principalOf(context.req.raw);
    if (principal !== undefined) {
      const initBody = parseBody(ChatInitPrincipalBody, await basics.readBody(context.req.raw));
      if (initBody.user !== undefined) {
        throw new HttpError(403, {
          detail: 'A signed-in caller may not assert another user: the token already says who it is',
          code: 'user_assertion_forbidden',
        });
      }
      const opened = await auth.initPrincipalSession(principal);
      await limits.countRequest(identityOfPrincipal(principal).apiKeyHash);
      refreshSchedulePrincipal(dependencies.config.database, principal, dependencies.report);
      return context.json(opened);
    }
    const body = parseBody(ChatInitBody, await basics.readBody(context.req.raw));
    if (typeof body.api_key === 'string' && body.api_key !== '')
      await limits.countRequest(hashApiKey(body.api_key));
    return context.json(await auth.initSession(body.api_key, body.user));
  });
  // Logout: the session ends now, on every instance that shares the store.
  routes.delete('/chat/session', async (context) => {
    await auth.logout(context.req.header('authorization'));
    return context.body(null, 204);
  });
}

/**
 * `POST /chat`: starts a run (continuing a thread when the body names one) and streams it; a
 * message sent while the session's run works is taken as its `multitask` says (default
 * `server.multitask`): a steered one answers 202 `{ status: "steered", run_id }`, its words
 * reaching the stream the client already follows.
 */
function mountChatRoute(
  routes: Hono<SessionEnv>,
  dependencies: GatewayRouteDependencies,
  basics: RouteBasics,
  actions: RunActions,
): void {
  const { config, stores, report } = dependencies;
  // The same for every chat: made once.
  const multitaskContext = {
    config,
    stores,
    report,
    sessionRuns: basics.sessionRuns,
    cancelRun: actions.cancelRun,
  };
  // `refuseWhileClosing` and `requireSession` in the handler, in that order: each route middleware
  // would cost a dispatch of Hono's of its own on every chat.
  routes.post('/chat', async (context) => {
    basics.throwIfClosing();
    const session = await basics.checkSession(context);
    const body = parseChatBody(await basics.readBody(context.req.raw));
    const thread_id = body.thread_id;
    const options: StartWithMultitaskOptions = {
      context: multitaskContext,
      session,
      strategy: body.multitask ?? config.multitask,
      messages: body.messages,
      prepare: () =>
        thread_id === undefined
          ? Promise.resolve(body)
          : continueThread({ database: config.database, session, body: { ...body, thread_id }, report }),
      signal: context.req.raw.signal,
    };
    if (thread_id !== undefined) options.threadId = thread_id;
    const outcome = await startWithMultitask(options);
    if (outcome.status === 'steered') {
      return context.json({ status: 'steered', run_id: outcome.runId }, 202);
    }
    return basics.streams.followRun(outcome.run, 0, context.req.raw);
  });
}
