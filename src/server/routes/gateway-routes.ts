import { Hono, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { RunRegistry } from '../chat/run-registry.js';
import type { ChatRun } from '../chat/chat-run.js';
import { createSessionRuns } from '../chat/session-runs.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import { HttpError } from '../../core/http-error.js';
import { parseBody } from '../http/parse-body.js';
import { readJsonBody } from '../http/read-json-body.js';
import { requireJsonContentType } from '../http/require-json-content-type.js';
import {
  ChatBody,
  ChatInitBody,
  ChatInitPrincipalBody,
  ToolApprovalBody,
  ToolResultBody,
} from '../http/request-schemas.js';
import type { SuspendedRuns } from '../threads/suspended-runs.js';
import type { AnswerOutbox } from '../pending-tools/answer-outbox.js';
import type { SubmissionResponse } from '../pending-tools/claim-pending-submission.js';
import type { AuthManager } from '../sessions/create-auth-manager.js';
import type { AuthenticateOptions, RequestAuthenticator } from '../auth/create-request-authenticator.js';
import { isClientGone, SSE_HEADERS } from '../sse/sse-stream.js';
import { sseResponse } from '../sse/sse-response.js';
import { clientAddressKey, dropConnectionOf, peerAddressOf } from '../http/connection-of-request.js';
import { clientAddressOf } from '../connections/client-address-of-request.js';
import { parseResumePosition, type ResumePosition } from './parse-resume-position.js';
import { endsWithTerminal, followRemoteRun, isSharedStores, type SharedStores } from '../chat/remote-runs.js';
import type { SharedRunSettings } from '../chat/share-run.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import type { RunCaps } from '../chat/run-caps.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import { identityOfPrincipal } from '../auth/principal-session.js';
import { createSessionMiddleware, type SessionEnv } from '../http/session-middleware.js';
import { answerOtherMethodsWith405 } from './answer-other-methods.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import type { ToolHistorySigner } from '../protocols/tool-history-signatures.js';
import { createUiChatRoutes } from '../protocols/ai-sdk-ui/ui-chat-routes.js';
import { createAgUiRoutes } from '../protocols/ag-ui/ag-ui-routes.js';
import { createThreadRoutes } from '../threads/thread-routes.js';
import { continueThread } from '../threads/continue-thread.js';
import { createRunActions } from './run-actions.js';
import { mountAgentProtocols } from '../protocols/mount-agent-protocols.js';

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
  /** Caps per API key on runs and parked calls. */
  caps: RunCaps;
  /** Set when the stores are shared: runs are mirrored and reachable from other instances. */
  shared?: SharedRunSettings;
  isClosing: () => boolean;
  /** Chat runs being started (runtime build, registration): `close()` waits for them. */
  runStarts: Set<Promise<unknown>>;
  report: (error: unknown, where: string) => void;
  /** Counts an opened SSE stream (metrics); returns the function that counts it closed. */
  trackStream?: () => () => void;
  /** Publishes tool answers again until the waiting run received them. */
  answerOutbox?: AnswerOutbox;
  /** Signs tool calls and results sent to `/ui/chat` and `/ag-ui` clients, checks those sent back. */
  toolSignatures: ToolHistorySigner;
  /** Runs suspended in the database while they wait for answers (with `server.database`). */
  suspendedRuns?: SuspendedRuns;
  /** Mounts routes that live at the root rather than under the prefix (the A2A agent card). */
  mountAtRoot: (routes: Hono) => void;
  /** Registers what `close()` must release (push deliveries). */
  onClose: (close: () => void) => void;
}

/**
 * The gateway's routes (relative to the prefix): `POST /chat/init`, `POST /chat` (SSE),
 * `POST /chat/tool-approval`, `POST /chat/tool-result`, `GET /health` (liveness) and
 * `GET /health/ready` (readiness: 503 once a shutdown started). Handlers throw
 * `HttpError`s; the app's error handler renders them.
 */
export function createGatewayRoutes(dependencies: GatewayRouteDependencies): Hono<SessionEnv> {
  const { config, stores, auth, maxBodyBytes, runs, limits, shared, report } = dependencies;
  const sharedStores = shared !== undefined && isSharedStores(stores) ? stores : undefined;
  const routes = new Hono<SessionEnv>();
  const sessionRuns = createSessionRuns(dependencies);
  const { suspendedRuns } = dependencies;
  suspendedRuns?.bind(sessionRuns);
  const { authenticator } = dependencies;
  const requireSession = createSessionMiddleware({
    authenticate: (request) => authenticator.authenticate(request),
    limits,
  });
  /** The session middleware of a protocol route with its own demands (MCP, A2A). */
  const requireSessionFor = (options: AuthenticateOptions) =>
    createSessionMiddleware({
      authenticate: (request) => authenticator.authenticate(request, options),
      limits,
    });
  const readBody = (request: Request): Promise<unknown> => {
    requireJsonContentType(request);
    return readJsonBody(request, {
      maxBytes: maxBodyBytes,
      signal: request.signal,
      maxDepth: config.maxJsonDepth,
    });
  };

  routes.get('/health', (context) => context.json({ status: 'ok' }));
  // Readiness, for load balancers: 503 from the moment a shutdown starts (liveness stays 200).
  routes.get('/health/ready', (context) =>
    dependencies.isClosing()
      ? context.json({ status: 'draining' }, 503, { 'retry-after': '1' })
      : context.json({ status: 'ready' }),
  );

  routes.post('/chat/init', async (context) => {
    // Per client address: sessions cost memory, and an open demo takes any key.
    // Behind a trusted proxy, the client it names; else the socket's peer.
    const address = clientAddressOf(context.req.raw) ?? peerAddressOf(context.req.raw);
    if (address !== undefined) await limits.countSessionInit(clientAddressKey(address));
    // A signed-in caller (JWT, the app's hook) binds the new session to its principal.
    const principal = await authenticator.principalOf(context.req.raw);
    if (principal !== undefined) {
      const body = parseBody(ChatInitPrincipalBody, await readBody(context.req.raw));
      if (body.user !== undefined) {
        throw new HttpError(403, {
          detail: 'A signed-in caller may not assert another user: the token already says who it is',
          code: 'user_assertion_forbidden',
        });
      }
      const opened = await auth.initPrincipalSession(principal);
      await limits.countRequest(identityOfPrincipal(principal).apiKeyHash);
      return context.json(opened);
    }
    const body = parseBody(ChatInitBody, await readBody(context.req.raw));
    if (typeof body.api_key === 'string' && body.api_key !== '')
      await limits.countRequest(hashApiKey(body.api_key));
    return context.json(await auth.initSession(body.api_key, body.user));
  });

  const refuseWhileClosing: MiddlewareHandler = async (_context, next) => {
    if (dependencies.isClosing()) throw HttpError.detail(503, 'Gateway is shutting down');
    await next();
  };

  routes.post('/chat', refuseWhileClosing, requireSession, async (context) => {
    const session = context.var.session;
    const body = parseBody(ChatBody, await readBody(context.req.raw));
    const thread_id = body.thread_id;
    const run = await sessionRuns.start(
      session,
      thread_id === undefined
        ? body
        : await continueThread({ database: config.threads, session, body: { ...body, thread_id }, report }),
    );
    return followRun(run, 0, context.req.raw);
  });

  const joinFollowers = (runId: string): (() => void) => sessionRuns.joinFollowers(runId);
  /** Settings every SSE response shares. */
  const streamSettings = (request: Request) => ({
    ...(config.sseRetryMs === undefined ? {} : { retryMs: config.sseRetryMs }),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    maxBufferedBytes: config.maxBufferedBytesPerStream,
    dropConnection: () => dropConnectionOf(request),
    ...(dependencies.trackStream === undefined ? {} : { track: dependencies.trackStream }),
  });

  /** An SSE response that follows `run` from after `seq`; the follower leaves when it ends. */
  const followRun = (run: ChatRun, seq: number, request: Request): Response => {
    const leaveSlot = joinFollowers(run.runId);
    const leaveRun = runs.follow(run);
    const leave = (): void => {
      leaveSlot();
      leaveRun();
    };
    const response = sseResponse(
      request,
      {
        entries: run.eventLog.feed(seq),
        signal: request.signal,
        runId: run.runId,
        ...streamSettings(request),
        onAbandoned: (reason) => {
          // An unserialisable event would break every follower the same way: end the run. A
          // client that left (or was dropped for falling behind) may come back: the run goes on.
          if (!isClientGone(reason)) run.abort(`cancelled: ${reason}`);
          leave();
        },
      },
      SSE_HEADERS,
    );
    void run.done.finally(leave);
    return response;
  };

  /** Re-attaches to a run of this session held by another instance, from the shared log. */
  const resumeRemoteRun = async (
    storesOfRuns: SharedStores,
    sessionId: string,
    position: ResumePosition,
    request: Request,
  ): Promise<Response> => {
    const location = await storesOfRuns.runDirectory.getLatest(sessionId);
    if (location === undefined) throw HttpError.detail(404, 'No run to resume for this session');
    if (position.runId !== undefined && position.runId !== location.runId) {
      throw HttpError.detail(404, `Run ${position.runId} is not this session's current or most recent run`);
    }
    const lastSeq = await storesOfRuns.runEvents.lastSeq(location.runId);
    if (position.seq > lastSeq) {
      throw HttpError.detail(
        400,
        `Last-Event-ID ${position.seq} is beyond the last event of run ${location.runId} (${lastSeq})`,
      );
    }
    if (
      position.seq === lastSeq &&
      (location.finished || (await endsWithTerminal(storesOfRuns, location.runId, lastSeq)))
    ) {
      return new Response(null, { status: 204 });
    }
    const leaveSlot = joinFollowers(location.runId);
    const remote = followRemoteRun(storesOfRuns, location, position.seq, report);
    return sseResponse(
      request,
      {
        entries: remote.entries,
        signal: request.signal,
        runId: location.runId,
        ...streamSettings(request),
        onAbandoned: () => {
          leaveSlot();
          remote.leave();
        },
      },
      SSE_HEADERS,
    );
  };

  routes.get('/chat/stream', requireSession, async (context) => {
    const session = context.var.session;
    const position = parseResumePosition(context.req.header('last-event-id') ?? context.req.query('after'));
    const run = runs.latest(session.sessionId);
    // The shared log serves what this instance cannot: a run it does not hold (or no longer
    // holds), a resume from before the part it holds (a run it took over), or another run than
    // the one it retains.
    if (
      sharedStores !== undefined &&
      (run === undefined ||
        run.eventLog.abandoned ||
        position.seq < run.eventLog.firstSeq - 1 ||
        (position.runId !== undefined && position.runId !== run.runId))
    ) {
      return resumeRemoteRun(sharedStores, session.sessionId, position, context.req.raw);
    }
    if (run === undefined) throw HttpError.detail(404, 'No run to resume for this session');
    if (position.runId !== undefined && position.runId !== run.runId) {
      throw HttpError.detail(404, `Run ${position.runId} is not this session's current or most recent run`);
    }
    if (position.seq > run.eventLog.lastSeq) {
      throw HttpError.detail(
        400,
        `Last-Event-ID ${position.seq} is beyond the last event of run ${run.runId} (${run.eventLog.lastSeq})`,
      );
    }
    // Nothing left to send: 204 tells an EventSource to stop reconnecting.
    if (run.eventLog.finished && position.seq === run.eventLog.lastSeq) return context.body(null, 204);
    return followRun(run, position.seq, context.req.raw);
  });

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

  const { cancelRun, answerApproval, answerToolResult } = createRunActions({
    config,
    stores,
    runs,
    report,
    ...(sharedStores === undefined ? {} : { sharedStores }),
    ...(dependencies.answerOutbox === undefined ? {} : { answerOutbox: dependencies.answerOutbox }),
    ...(suspendedRuns === undefined ? {} : { suspendedRuns }),
  });

  routes.post('/chat/cancel', refuseWhileStoreDown, requireSession, async (context) => {
    const { runId } = await cancelRun(context.var.session);
    return context.json({ status: 'cancelled', run_id: runId });
  });

  /** `POST` of a client's answer to a parked call: the body checked, then answered. */
  const answerRoute = <Schema extends z.ZodType>(
    path: string,
    schema: Schema,
    answer: (session: SessionRecord, body: z.output<Schema>) => Promise<SubmissionResponse>,
  ): void => {
    routes.post(path, refuseWhileStoreDown, requireSession, async (context) => {
      const body = parseBody(schema, await readBody(context.req.raw));
      const response = await answer(context.var.session, body);
      return context.json(response.body, response.status as ContentfulStatusCode, response.headers);
    });
  };
  answerRoute('/chat/tool-approval', ToolApprovalBody, answerApproval);
  answerRoute('/chat/tool-result', ToolResultBody, answerToolResult);

  const adapterContext: ProtocolRouteContext = {
    config,
    stores,
    sessionRuns,
    requireSession,
    requireSessionFor,
    requiredScopes: authenticator.requiredScopes,
    refuseWhileClosing,
    readBody,
    streamSettings,
    report,
    toolSignatures: dependencies.toolSignatures,
    cancelRun,
    answerApproval,
    answerToolResult,
    isStoreAvailable: () => stores.isAvailable?.() !== false,
    ...(dependencies.answerOutbox === undefined ? {} : { answerOutbox: dependencies.answerOutbox }),
  };
  routes.route('/', createUiChatRoutes(adapterContext));
  routes.route('/', createAgUiRoutes(adapterContext));
  routes.route('/', createThreadRoutes(adapterContext));
  mountAgentProtocols(routes, adapterContext, {
    mountAtRoot: dependencies.mountAtRoot,
    onClose: dependencies.onClose,
  });

  answerOtherMethodsWith405(routes);
  return routes;
}
