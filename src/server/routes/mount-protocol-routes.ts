import type { Hono } from 'hono';
import type { SessionEnv } from '../http/session-middleware.js';
import type { ProtocolRouteContext } from '../protocols/protocol-route-context.js';
import { createUiChatRoutes } from '../protocols/ai-sdk-ui/ui-chat-routes.js';
import { createAgUiRoutes } from '../protocols/ag-ui/ag-ui-routes.js';
import { mountAgentProtocols } from '../protocols/mount-agent-protocols.js';
import { createBackgroundRunRoutes } from '../runs/background-run-routes.js';
import { createScheduleRoutes } from '../schedules/schedule-routes.js';
import type { GatewayRouteDependencies, RouteBasics } from './gateway-routes.js';
import type { RunActions } from './run-actions.js';
import { createThreadRoutes } from './thread-routes.js';

/**
 * The frontend adapters (`/ui/chat`, `/ag-ui`), the thread routes, the background runs and
 * schedules (`/runs`, `/schedules`: routes only, the work behind them runs in `background/`)
 * and the agent protocols.
 */
export function mountProtocolRoutes(
  routes: Hono<SessionEnv>,
  dependencies: GatewayRouteDependencies,
  basics: RouteBasics,
  actions: RunActions,
): void {
  const { config, stores, report } = dependencies;
  const adapterContext: ProtocolRouteContext = {
    config,
    stores,
    sessionRuns: basics.sessionRuns,
    requireSession: basics.requireSession,
    requireSessionFor: basics.requireSessionFor,
    requiredScopes: dependencies.authenticator.requiredScopes,
    refuseWhileClosing: basics.refuseWhileClosing,
    readBody: basics.readBody,
    streamSettings: basics.streams.streamSettings,
    report,
    toolSignatures: dependencies.toolSignatures,
    sessionSecret: dependencies.sessionSecret,
    cancelRun: actions.cancelRun,
    answers: actions.answers,
    isStoreAvailable: () => stores.isAvailable?.() !== false,
    ...(basics.authorizer === undefined ? {} : { authorizer: basics.authorizer }),
  };
  routes.route('/', createUiChatRoutes(adapterContext));
  routes.route('/', createAgUiRoutes(adapterContext));
  routes.route('/', createThreadRoutes(adapterContext));
  routes.route('/', createBackgroundRunRoutes(adapterContext, { queuedRuns: dependencies.queuedRuns }));
  routes.route('/', createScheduleRoutes(adapterContext, { scheduleDue: dependencies.scheduleDue }));
  mountAgentProtocols(routes, adapterContext, {
    mountAtRoot: dependencies.mountAtRoot,
    onClose: dependencies.onClose,
  });
}
