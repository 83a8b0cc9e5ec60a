import { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import { HttpError } from '../core/http-error.js';
import { parseSpec } from '../agent-spec/parse-spec.js';
import { RENAMED_SERVER_OPTIONS } from '../agent-spec/renamed-options.js';
import { a2aSettingsOf } from './contracts/a2a-option.js';
import type { CheckedGatewayConfig } from './contracts/gateway-config.js';
import { gatewayAppSpecSchema, type GatewayAppOptions } from './contracts/gateway-app-spec.js';
import type { GatewayApp } from './gateway-app.js';
import { closeGateway, startGateway, type GatewayServices } from './gateway-lifecycle.js';
import { useGatewayMiddleware } from './gateway-middleware.js';
import {
  createGatewayParts,
  initialGatewayState,
  reportOf,
  withGatewayDatabase,
  type GatewayParts,
  type GatewayState,
} from './gateway-parts.js';
import { listenOnNode } from './listen.js';
import { createGatewayRouter } from './http/static-route-cache.js';
import { parseListenOptions } from './listen-options.js';
import { createAnswerOutbox } from './pending-answers/answer-outbox.js';
import { createSuspendedRuns } from './pending-answers/suspended-runs.js';
import { createBackgroundWork } from './background/background-work.js';
import { abandonSseResponse, settleSseResponse } from './sse/sse-response.js';
import { settleConnectionHeader } from './http/settle-connection-header.js';
import { PROBE_PATHS } from './routes/health-routes.js';
import { PLAYGROUND_PATH } from './playground/playground-routes.js';
import { INBOX_PATH } from './contracts/inbox-address.js';
import { AGENT_CARD_PATH } from './contracts/agent-card.js';
import { createGatewayRuns, type PendingAnswerServices } from './gateway-runs.js';
import { mountRouteTable } from './routes/mount-route-table.js';
import { GATEWAY_ROUTES } from './route-table.js';
import { createRouteAreas, type RouteAreaSources } from './route-areas.js';

/**
 * Creates the HTTP gateway around a runtime builder of your own: session init, SSE chat,
 * approvals, client-side tool results and a health check under `server.prefix`. The options
 * are checked before anything starts (unknown keys name the closest known one). Startup hooks
 * run on `start()` (called by `listen()` and by the first request); `close()` drains running
 * chats and runs shutdown hooks once.
 */
export function createGatewayApp(options: GatewayAppOptions): GatewayApp {
  const { server, hooks, ...app } = parseSpec(
    gatewayAppSpecSchema,
    options,
    'createGatewayApp',
    RENAMED_SERVER_OPTIONS,
  );
  return buildGatewayApp({ ...app, ...server, ...hooks });
}

/**
 * The gateway from its internal, already checked configuration (`createAgent` builds one). The
 * recipe: the parts (database, stores, limits, caps, sessions, runs), the Hono app with its
 * middleware and not-found answer, the services of pending answers, the app's runs
 * and its background work, the routes of the route table; then the app's surface, which starts on first use and
 * closes once (starting and closing the background work with it).
 */
export function buildGatewayApp(options: CheckedGatewayConfig): GatewayApp {
  const report = reportOf(options);
  const config = withGatewayDatabase(options, report);
  const state = initialGatewayState();
  const parts = createGatewayParts(config, report, state);
  const hono = new Hono({ router: createGatewayRouter() });
  useGatewayMiddleware(hono, {
    config,
    metrics: () => state.metrics,
    listeners: state.listeners,
    report,
  });
  hono.notFound((context) => notFoundResponse(parts.prefix, context.req.path));
  const pending = createPendingAnswerServices(parts);
  const runs = createGatewayRuns(parts, state, pending);
  const background = createBackgroundWork(runs.starter, {
    countRequest: (apiKeyHash) => parts.limits.countRequest(apiKeyHash),
    isClosing: () => state.closing !== undefined,
    ownerInvalidity: (identity) => parts.auth.invalidityOf(identity),
    runsHere: (runId) => parts.runs.activeRuns().some((run) => run.runId === runId),
  });
  const services: GatewayServices = { ...pending, background, threadLocks: runs.sessionRuns };
  const pages = mountGatewayRoutes(hono, { parts, state, services, runs });
  return gatewayAppOf(hono, parts, state, services, pages);
}

/** The 404 of a path no route serves, naming the prefix when the path is outside it. */
const notFoundResponse = (prefix: string, path: string): Response =>
  Response.json(
    {
      detail:
        prefix !== '' && !path.startsWith(`${prefix}/`)
          ? `Not Found: the gateway's routes are under ${prefix} (e.g. POST ${prefix}/chat/init); server.prefix sets it`
          : 'Not Found',
    },
    { status: 404 },
  );

/** The app's suspended runs and its outbox of answers not received yet. */
function createPendingAnswerServices(parts: GatewayParts): PendingAnswerServices {
  const { config, stores, report } = parts;
  const suspendedRuns = createSuspendedRuns({
    config,
    sessions: stores.sessions,
    claimer: `${config.instanceId}.${randomBytes(4).toString('hex')}`,
    report,
  });
  const answerOutbox = createAnswerOutbox({
    bus: stores.bus,
    pendingAnswers: stores.pendingAnswers,
    report,
    isAvailable: () => stores.isAvailable?.() ?? true,
  });
  return { suspendedRuns, answerOutbox };
}

/**
 * Mounts every route of the table: under the prefix, and the well-known paths, pages and metrics
 * at the root. Resolves which of the gateway's own pages are served.
 */
function mountGatewayRoutes(
  hono: Hono,
  sources: RouteAreaSources,
): { hasPlayground: boolean; hasInbox: boolean } {
  const { plumbing, areas } = createRouteAreas(sources);
  mountRouteTable(hono, { table: GATEWAY_ROUTES, areas, plumbing, prefix: sources.parts.prefix });
  return { hasPlayground: areas.playground !== undefined, hasInbox: areas.inboxPage !== undefined };
}

/** The app's surface: its paths, `fetch` (which starts it first), `start`, `listen` and `close`. */
function gatewayAppOf(
  hono: Hono,
  parts: GatewayParts,
  state: GatewayState,
  services: GatewayServices,
  pages: { hasPlayground: boolean; hasInbox: boolean },
): GatewayApp {
  const { config, prefix, report } = parts;
  // Once started, a request does not wait a turn for the settled start.
  let started = false;
  const start = async (): Promise<void> => {
    try {
      await startGateway(parts, state, services);
    } catch (error) {
      state.startFailed = true;
      throw error;
    }
    started = true;
  };
  const probes = new Set(PROBE_PATHS.map((path) => `${prefix}${path}`));
  const isProbe = (request: Request): boolean =>
    request.method === 'GET' && probes.has(new URL(request.url).pathname);
  return {
    hono,
    prefix,
    ...(pages.hasPlayground ? { playgroundPath: PLAYGROUND_PATH } : {}),
    ...(pages.hasInbox ? { inboxPath: INBOX_PATH } : {}),
    ...(a2aSettingsOf(config.a2a) === undefined
      ? {}
      : { a2aPath: `${prefix}/a2a`, agentCardPath: AGENT_CARD_PATH }),
    ...(config.mcp === false ? {} : { mcpPath: `${prefix}/mcp` }),
    async fetch(request) {
      if (!started && isProbe(request)) {
        // A probe answers at once, whatever the start is doing (and starts the app, as any request).
        start().catch(() => undefined);
        return hono.fetch(request);
      }
      if (!started) {
        try {
          await start();
        } catch (error) {
          report(error, 'startup');
          return HttpError.detail(503, 'Gateway failed to start').toResponse();
        }
      }
      // A stream written straight to the Node response gets its head from the final response.
      let response: Response;
      try {
        response = await hono.fetch(request);
      } catch (error) {
        abandonSseResponse(request);
        throw error;
      }
      settleConnectionHeader(request, response, state.closing !== undefined);
      return settleSseResponse(request, response);
    },
    start,
    async listen(options = {}) {
      const address = parseListenOptions(options, config);
      // Bind first: a port already taken fails before the startup work (MCP servers, stores,
      // the `agent ready` report) runs. Requests that arrive meanwhile wait for the same start.
      const server = await listenOnNode((request) => this.fetch(request), address, config);
      try {
        await start();
      } catch (error) {
        await server.close();
        throw error;
      }
      state.listeners.add(server);
      return server;
    },
    close() {
      return closeGateway(parts, state, services);
    },
  };
}
