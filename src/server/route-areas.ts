import { systemNow } from './contracts/system-clock.js';
import { createRequestAuthenticator } from './auth/create-request-authenticator.js';
import { isSharedStores } from './chat/remote-runs.js';
import { a2aSettingsOf } from './contracts/a2a-option.js';
import { AGENT_CARD_PATH } from './contracts/agent-card.js';
import type { GatewayServices } from './gateway-lifecycle.js';
import type { GatewayParts, GatewayState } from './gateway-parts.js';
import { createGatewayReadiness } from './gateway-readiness.js';
import type { GatewayRuns } from './gateway-runs.js';
import type { BodyRouteHandler, RouteHandler } from './http/route-handler.js';
import { createMetricsHandler } from './metrics/metrics-routes.js';
import { createInboxPageHandlers } from './playground/inbox-routes.js';
import { inboxSettingsOf } from './contracts/inbox-option.js';
import type { PageHandlers } from './playground/page-routes.js';
import { createPlaygroundHandlers, type PlaygroundHandlers } from './playground/playground-routes.js';
import { createAgUiHandler } from './protocols/ag-ui/ag-ui-routes.js';
import type { RunAgentInput } from './protocols/ag-ui/run-agent-input.js';
import type { A2aRoutes } from './protocols/a2a/a2a-routes.js';
import { createAgentProtocols } from './protocols/agent-protocols.js';
import { createUiChatHandlers, type UiChatHandlers } from './protocols/ai-sdk-ui/ui-chat-routes.js';
import type { McpRoutes } from './protocols/mcp/mcp-routes.js';
import type { ProtocolRouteContext } from './protocols/protocol-route-context.js';
import { createToolHistorySigner } from './protocols/tool-history-signatures.js';
import { protectedResourcePath } from './protocols/mcp/protected-resource-path.js';
import { createChatHandler } from './routes/chat-route.js';
import { createHealthHandlers, type HealthHandlers } from './routes/health-routes.js';
import { createRequestPlumbing, type RequestPlumbing } from './routes/route-plumbing.js';
import { createRunActionHandlers, type RunActionHandlers } from './routes/run-action-routes.js';
import { createChatStreamHandler, createRunStreams, type RunStreams } from './routes/run-streams.js';
import { createSessionHandlers, type SessionHandlers } from './routes/session-routes.js';
import { createSlackActionsHandler } from './routes/slack-actions-route.js';
import { createSlackClient } from './slack/slack-client.js';
import { withInbox } from './pending-answers/with-inbox.js';
import { createThreadHandlers, type ThreadHandlers } from './routes/thread-routes.js';
import { createBackgroundRunHandlers, type BackgroundRunHandlers } from './runs/background-run-routes.js';
import { createScheduleHandlers, type ScheduleHandlers } from './schedules/schedule-routes.js';
import { createUsageHandlers, type UsageHandlers } from './routes/usage-routes.js';
import { budgetCountersOf } from './app-budget-gate.js';

/**
 * The handlers of each area of the route table, each made once from its own context; an area
 * whose option is off is `undefined`, and its routes are not mounted.
 */
export interface RouteAreas {
  health: HealthHandlers;
  session: SessionHandlers;
  /** Cancelling and answering runs, the approvals inbox among them. */
  answers: RunActionHandlers;
  chat: { chat: RouteHandler; stream: RouteHandler };
  uiChat: UiChatHandlers;
  agUi: { run: BodyRouteHandler<RunAgentInput> };
  threads: ThreadHandlers;
  runs: BackgroundRunHandlers;
  schedules: ScheduleHandlers;
  /** Spend and budget limits (`GET /usage`, `PUT /budgets/:scope/:id`). */
  usage: UsageHandlers;
  a2a: A2aRoutes | undefined;
  mcp: McpRoutes | undefined;
  playground: PlaygroundHandlers | undefined;
  /** The approvals inbox page (`server.inbox`: on by default wherever requests are authenticated). */
  inboxPage: PageHandlers | undefined;
  metrics: { read: RouteHandler } | undefined;
  /** Slack's interactivity route, with `server.approvals.slack`. */
  slack: { actions: RouteHandler } | undefined;
}

/** What the areas are made of: the app's parts, state, services and runs. */
export interface RouteAreaSources {
  parts: GatewayParts;
  state: GatewayState;
  services: GatewayServices;
  runs: GatewayRuns;
}

/** The plumbing of the routes (session check, guards, body reader) and every area's handlers. */
export function createRouteAreas(sources: RouteAreaSources): {
  plumbing: RequestPlumbing;
  areas: RouteAreas;
} {
  const { parts, state, runs } = sources;
  const { config } = parts;
  const authenticator = createRequestAuthenticator({
    auth: parts.auth,
    settings: config.auth,
    logger: config.logger,
    prefix: parts.prefix,
  });
  const plumbing = createRequestPlumbing({
    config,
    stores: parts.stores,
    authenticator,
    limits: parts.limits,
    authorizer: runs.authorizer,
    maxBodyBytes: config.maxBodyBytes,
    isClosing: () => state.closing !== undefined,
  });
  const streams = createRunStreams({
    config,
    runs: parts.runs,
    sessionRuns: runs.sessionRuns,
    report: parts.report,
    trackStream: () => state.metrics?.streamOpened() ?? (() => undefined),
  });
  const protocol = protocolContextOf(sources, plumbing, streams, authenticator.requiredScopes);
  const agentProtocols = createAgentProtocols(protocol, (close) => state.closers.push(close));
  const pages = pagesOf(parts);
  return {
    plumbing,
    areas: {
      health: createHealthHandlers({
        readiness: createGatewayReadiness({ state, stores: parts.stores, database: config.database }),
        hasStartFailed: () => state.startFailed,
        circuits: () => config.circuitBreaker?.snapshot() ?? [],
      }),
      session: createSessionHandlers({ ...parts, authenticator, readBody: plumbing.readBody }),
      answers: answersOf(sources, plumbing),
      chat: chatOf(sources, plumbing, streams),
      uiChat: createUiChatHandlers(protocol),
      agUi: { run: createAgUiHandler(protocol) },
      // Threads, runs and schedules are not protocols: each has its own context.
      threads: createThreadHandlers({
        config,
        report: parts.report,
        readBody: plumbing.readBody,
        authorizer: runs.authorizer,
        sessionRuns: runs.sessionRuns,
      }),
      runs: createBackgroundRunHandlers(
        { ...runs.starter, readBody: plumbing.readBody },
        { queuedRuns: sources.services.background.queuedRuns },
      ),
      schedules: createScheduleHandlers(
        { ...runs.starter, readBody: plumbing.readBody },
        { scheduleDue: (dueAt) => sources.services.background.scheduleWake.scheduleDue(dueAt) },
      ),
      usage: createUsageHandlers({
        counters: budgetCountersOf(parts.stores, config),
        authorizer: runs.authorizer,
        readBody: plumbing.readBody,
        budgets: config.budgets,
        budgetFor: config.budgetFor,
      }),
      ...agentProtocols,
      ...pages,
      slack: slackOf(sources),
      metrics:
        config.metrics === false
          ? undefined
          : {
              read: createMetricsHandler(
                () => state.metrics,
                config.metrics === true ? undefined : config.metrics.token,
              ),
            },
    },
  };
}

/** The context the protocols, threads, runs and schedules share. */
function protocolContextOf(
  sources: RouteAreaSources,
  plumbing: RequestPlumbing,
  streams: RunStreams,
  requiredScopes: readonly string[],
): ProtocolRouteContext {
  const { parts, runs } = sources;
  const { config, stores, report } = parts;
  return {
    config,
    stores,
    sessionRuns: runs.sessionRuns,
    requireSessionFor: plumbing.requireSessionFor,
    requiredScopes,
    readBody: plumbing.readBody,
    streamSettings: streams.streamSettings,
    report,
    toolSignatures: createToolHistorySigner({ secret: parts.secret }),
    sessionSecret: parts.secret,
    cancelRun: runs.actions.cancelRun,
    answers: runs.actions.answers,
    isStoreAvailable: () => stores.isAvailable?.() !== false,
    ...(runs.authorizer === undefined ? {} : { authorizer: runs.authorizer }),
  };
}

/** Slack's interactivity route when `server.approvals.slack` is set: a click answers as the inbox does. */
function slackOf(sources: RouteAreaSources): RouteAreas['slack'] {
  const { parts, runs } = sources;
  const { config, report } = parts;
  const slack = config.approvals?.slack;
  if (slack === undefined) return undefined;
  return {
    actions: createSlackActionsHandler({
      settings: slack,
      client: createSlackClient({ botToken: slack.botToken, apiUrl: slack.apiUrl, logger: config.logger }),
      answers: runs.actions.answers,
      withInbox: (use) => withInbox({ config, report }, use),
      defaultIssuer: config.auth?.jwt?.issuer,
      logger: config.logger,
      report,
      now: systemNow,
    }),
  };
}

/** The routes that cancel and answer runs. */
function answersOf(sources: RouteAreaSources, plumbing: RequestPlumbing): RunActionHandlers {
  const { parts, runs } = sources;
  return createRunActionHandlers({
    config: parts.config,
    stores: parts.stores,
    report: parts.report,
    authorizer: runs.authorizer,
    actions: runs.actions,
    readBody: plumbing.readBody,
  });
}

/** `POST /chat` and `GET /chat/stream`. */
function chatOf(
  sources: RouteAreaSources,
  plumbing: RequestPlumbing,
  streams: RunStreams,
): RouteAreas['chat'] {
  const { parts, runs } = sources;
  const { shared, stores } = parts;
  return {
    chat: createChatHandler({
      config: parts.config,
      stores,
      report: parts.report,
      sessionRuns: runs.sessionRuns,
      cancelRun: runs.actions.cancelRun,
      throwIfClosing: plumbing.throwIfClosing,
      checkSession: plumbing.checkSession,
      readBody: plumbing.readBody,
      streams,
    }),
    stream: createChatStreamHandler({
      runs: parts.runs,
      sharedStores: shared !== undefined && isSharedStores(stores) ? stores : undefined,
      streams,
    }),
  };
}

/** The playground and the inbox page when `server.playground` is on. */
function pagesOf(parts: GatewayParts): Pick<RouteAreas, 'playground' | 'inboxPage'> {
  const { config, prefix } = parts;
  const playground: { notice?: string } | undefined =
    config.playground === true ? {} : config.playground === false ? undefined : config.playground;
  // The inbox is served wherever requests are authenticated, with or without the playground.
  const inbox = inboxSettingsOf(config);
  const inboxPage = inbox === undefined ? undefined : createInboxPageHandlers({ prefix, settings: inbox });
  if (playground === undefined) return { playground: undefined, inboxPage };
  return {
    playground: createPlaygroundHandlers({
      prefix,
      models: [...parts.allowedModels],
      ...(typeof playground.notice === 'string' ? { notice: playground.notice } : {}),
      links: [
        ...(a2aSettingsOf(config.a2a) === undefined
          ? []
          : [{ label: 'A2A agent card', href: AGENT_CARD_PATH }]),
        ...(config.mcp === false ? [] : [{ label: 'MCP endpoint', href: protectedResourcePath(prefix) }]),
      ],
    }),
    inboxPage,
  };
}
