import { Hono } from 'hono';
import { GatewayError } from '../core/errors.js';
import { randomBytes } from 'node:crypto';
import { isSharedStores } from './chat/remote-runs.js';
import { takeOverRuns } from './chat/take-over-run.js';
import type { TakeoverScan } from './chat/takeover-scan.js';
import type { SharedRunSettings } from './chat/share-run.js';
import { createHttpLimits } from './rate-limit/create-http-limits.js';
import { resolveGatewayStores } from './resolve-gateway-stores.js';
import { createRunRegistry } from './chat/run-registry.js';
import { createAppRunCaps } from './chat/run-caps.js';
import type { GatewayApp, ListeningServer } from './gateway-app.js';
import type { GatewayServerConfig } from './gateway-config.js';
import { HttpError } from '../core/http-error.js';
import { useGatewayMiddleware } from './http/gateway-middleware.js';
import { drainRuns } from './chat/drain-runs.js';
import { listenOnNode } from './listen.js';
import { parseListenOptions } from './listen-options.js';
import { normalizePrefix } from './normalize-prefix.js';
import { abandonSseResponse, settleSseResponse } from './sse/sse-response.js';
import { a2aSettingsOf } from './protocols/a2a/a2a-option.js';
import { AGENT_CARD_PATH } from './protocols/a2a/agent-card.js';
import { protectedResourcePath } from './protocols/mcp/mcp-routes.js';
import { createGatewayRoutes } from './routes/gateway-routes.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/create-gateway-metrics.js';
import { loadPromClient } from './metrics/load-prom-client.js';
import { mountPlayground, PLAYGROUND_PATH } from './playground/playground-routes.js';
import { createAnswerOutbox } from './pending-tools/answer-outbox.js';
import { createAuthManager } from './sessions/create-auth-manager.js';
import { createRequestAuthenticator } from './auth/create-request-authenticator.js';
import { createToolHistorySigner } from './protocols/tool-history-signatures.js';
import { parseSpec } from '../spec/parse-spec.js';
import { gatewayAppSpecSchema, type GatewayAppOptions } from './server-spec.js';
import { allowedModelsOf } from './allowed-models-of.js';
import { RENAMED_SERVER_OPTIONS } from '../spec/renamed-options.js';
import { createThreadDatabase, type ThreadDatabase } from './threads/thread-database.js';
import { createSuspendedRuns } from './threads/suspended-runs.js';

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

/** The gateway from its internal, already checked configuration (`createAgent` builds one). */
export function buildGatewayApp(options: GatewayServerConfig): GatewayApp {
  const config: GatewayServerConfig & { threads: ThreadDatabase } = {
    ...options,
    threads: createThreadDatabase(
      options.database,
      options.threadRetentionMs === undefined
        ? undefined
        : {
            retentionMs: options.threadRetentionMs,
            intervalMs: options.threadRetentionSweepIntervalMs,
            report: (error, where) => report(error, where),
          },
      (error, where) => report(error, where),
    ),
  };
  // Failures nobody awaits go to the app's logger (its level and format) unless `onError` is set.
  const report =
    config.onError ?? ((error: unknown, where: string) => config.logger.error(`${where} failed`, { error }));
  const { stores, owned: ownsStores } = resolveGatewayStores(config.store, report);
  const { instanceId } = config;
  const shared: SharedRunSettings | undefined = isSharedStores(stores)
    ? {
        instanceId,
        leaseOwner: `${instanceId}.${randomBytes(4).toString('hex')}`,
        retentionMs: config.streamRetentionMs,
        maxRetainedBytesPerRun: config.maxRetainedBytesPerRun,
        leaseMs: config.runLeaseMs,
        pendingMirrors: new Set(),
        leaseKeepers: new Set(),
      }
    : undefined;
  const limits = createHttpLimits({
    rateLimit: config.rateLimit,
    tokenBudget: config.tokenBudget,
    sessionRateLimit: config.sessionRateLimit,
    ...(stores.createRateLimiter === undefined ? {} : { createRateLimiter: stores.createRateLimiter }),
  });
  const caps = createAppRunCaps({ config, stores, leaseMs: shared?.leaseMs, report });
  // One secret signs the session tokens and (under a derived key) the tool history of clients.
  const secret = config.jwtSecret;
  const auth = createAuthManager({
    secret,
    apiKeys: config.auth.apiKeys,
    validApiKeys: config.validApiKeys,
    serverSideApiKeys: config.serverSideApiKeys,
    sessionTtlMs: config.sessionTtlMs,
    restoreSessionsFromTokens: config.restoreSessionsFromTokens,
    maxSessions: config.maxSessions,
    sessions: stores.sessions,
    ...(config.onSessionExpired === undefined ? {} : { onSessionExpired: config.onSessionExpired }),
    onError: (error) => report(error, 'session expiry'),
  });
  const authenticator = createRequestAuthenticator({ auth, settings: config.auth, logger: config.logger });
  const prefix = normalizePrefix(config.prefix);
  let metrics: GatewayMetrics | undefined;
  const runs = createRunRegistry({
    onAdd: (run) => metrics?.observeRun(run),
    disconnectGraceMs: config.disconnectGraceMs,
    retentionMs: config.streamRetentionMs,
    maxRetainedBytesPerRun: config.maxRetainedBytesPerRun,
    maxRetainedBytes: config.maxRetainedBytes,
  });
  // Without `defaultModel` either, `startChatRun` lets the runtime pick.
  const allowedModels = allowedModelsOf(config.allowedModels, config.defaultModel);
  const listeners = new Set<ListeningServer>();
  let takeover: TakeoverScan | undefined;
  const runStarts = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let started = false;

  const hono = new Hono();
  useGatewayMiddleware(hono, {
    config,
    metrics: () => metrics,
    isClosing: () => closing !== undefined,
    listeners,
    report,
  });
  const playground: { notice?: string } | undefined =
    config.playground === true ? {} : config.playground === false ? undefined : config.playground;
  if (playground !== undefined) {
    mountPlayground(hono, {
      prefix,
      models: [...allowedModels],
      ...(typeof playground.notice === 'string' ? { notice: playground.notice } : {}),
      links: [
        ...(a2aSettingsOf(config.a2a) === undefined
          ? []
          : [{ label: 'A2A agent card', href: AGENT_CARD_PATH }]),
        ...(config.mcp === false ? [] : [{ label: 'MCP endpoint', href: protectedResourcePath(prefix) }]),
      ],
    });
  }
  hono.notFound((context) =>
    Response.json(
      {
        detail:
          prefix !== '' && !context.req.path.startsWith(`${prefix}/`)
            ? `Not Found: the gateway's routes are under ${prefix} (e.g. POST ${prefix}/chat/init); server.prefix sets it`
            : 'Not Found',
      },
      { status: 404 },
    ),
  );
  const suspendedRuns = createSuspendedRuns({
    config,
    sessions: stores.sessions,
    claimer: `${config.instanceId}.${randomBytes(4).toString('hex')}`,
    report,
  });
  const answerOutbox = createAnswerOutbox({
    bus: stores.bus,
    pendingTools: stores.pendingTools,
    report,
    isAvailable: () => stores.isAvailable?.() ?? true,
  });
  /** Releases what routes hold beyond runs (A2A push deliveries), once `close()` drained. */
  const closers: (() => void)[] = [];
  hono.route(
    prefix === '' ? '/' : prefix,
    createGatewayRoutes({
      config,
      stores,
      auth,
      authenticator,
      allowedModels,
      maxBodyBytes: config.maxBodyBytes,
      runs,
      limits,
      caps,
      ...(shared === undefined ? {} : { shared }),
      isClosing: () => closing !== undefined,
      runStarts,
      report,
      trackStream: () => metrics?.streamOpened() ?? (() => undefined),
      answerOutbox,
      suspendedRuns,
      toolSignatures: createToolHistorySigner({ secret }),
      mountAtRoot: (routes) => hono.route('/', routes),
      onClose: (close) => closers.push(close),
    }),
  );

  const start = (): Promise<void> => {
    starting ??= (async () => {
      if (closing !== undefined) throw new GatewayError('internal_error', 'the gateway app is closed');
      await stores.connect?.();
      await config.threads.open(config.logger);
      if (config.threads.current()?.suspendedRuns !== undefined && config.suspendAfterMs !== false) {
        suspendedRuns.start();
      }
      if (config.metrics !== false) {
        metrics = createGatewayMetrics(await loadPromClient(), {
          model: config.defaultModel,
          activeRuns: () => runs.activeCount(),
          runFollowers: () => runs.followerCount(),
          storeRoundTrips: stores.roundTrips?.bind(stores),
          isAgentTool: (name) => config.isAgentTool?.(name) === true || config.isMcpTool?.(name) === true,
        });
      }
      await config.onStartup?.();
      started = true;
      const runLeases = stores.runLeases;
      if (shared !== undefined && runLeases !== undefined && isSharedStores(stores)) {
        takeover = takeOverRuns({
          config,
          stores: { ...stores, runLeases },
          settings: shared,
          allowedModels,
          runs,
          limits,
          caps,
          report,
          metrics: () => metrics,
        });
      }
      auth.startExpirySweep({ intervalMs: config.sessionCleanupIntervalMs });
    })();
    return starting;
  };

  return {
    hono,
    prefix,
    ...(playground === undefined ? {} : { playgroundPath: PLAYGROUND_PATH }),
    ...(a2aSettingsOf(config.a2a) === undefined
      ? {}
      : { a2aPath: `${prefix}/a2a`, agentCardPath: AGENT_CARD_PATH }),
    ...(config.mcp === false ? {} : { mcpPath: `${prefix}/mcp` }),
    async fetch(request) {
      try {
        await start();
      } catch (error) {
        report(error, 'startup');
        return HttpError.detail(503, 'Gateway failed to start').toResponse();
      }
      // A stream written straight to the Node response gets its head from the final response.
      let response: Response;
      try {
        response = await hono.fetch(request);
      } catch (error) {
        abandonSseResponse(request);
        throw error;
      }
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
      listeners.add(server);
      return server;
    },
    close() {
      closing ??= (async () => {
        // Readiness answers 503 from now on (closing is set); no new connection is accepted,
        // so a load balancer routes new requests elsewhere while the runs drain.
        for (const server of listeners) server.stopAccepting();
        await drainRuns({
          runs,
          stores,
          shared,
          takeover,
          runStarts,
          handOver: config.handOverRunsOnClose === true,
          report,
        });
        // Answers nobody received yet are un-claimed, so that their clients' retries count.
        await answerOutbox.close();
        await suspendedRuns.close();
        for (const close of closers) close();
        if (started) {
          try {
            await config.onShutdown?.();
          } catch (error) {
            report(error, 'onShutdown');
          }
        }
        await auth.close();
        await Promise.allSettled([...listeners].map((server) => server.close()));
        listeners.clear();
        if (ownsStores) await stores.close();
        await config.threads.close().catch((error: unknown) => report(error, 'database close'));
      })();
      return closing;
    },
  };
}
