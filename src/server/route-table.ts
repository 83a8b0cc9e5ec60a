import type { RouteAction } from './auth/request-authorizer.js';
import { AGENT_CARD_PATH } from './contracts/agent-card.js';
import { INBOX_PATH } from './contracts/inbox-address.js';
import { ToolApprovalBody, ToolResultBody } from './contracts/request-schemas.js';
import { METRICS_PATH } from './metrics/metrics-routes.js';
import { PLAYGROUND_PATH } from './playground/playground-routes.js';
import { runAgentInputSchema } from './protocols/ag-ui/run-agent-input.js';
import { uiChatRequestSchema } from './protocols/ai-sdk-ui/ui-chat-request.js';
import { protectedResourcePath } from './protocols/mcp/protected-resource-path.js';
import { routeActionsOf, routeBuilders, type GatewayRoute } from './routes/gateway-route.js';
import { BackgroundRunBody } from './runs/background-run-body.js';
import type { RouteAreas } from './route-areas.js';
import { CreateScheduleBody, UpdateScheduleBody } from './schedules/schedule-body.js';
import { UpdateThreadBody } from './threads/thread-request-schemas.js';

const { route, routeWithBody, routeWithCheck } = routeBuilders<RouteAreas>();

const THREAD = { kind: 'thread', notFound: 'Thread not found' } as const;
const RUN = { kind: 'run', notFound: 'Run not found' } as const;

/** `server.authorize`'s `action` on a resource of the caller's `type`. */
const owned = (action: RouteAction['action'], type: RouteAction['type']): RouteAction => ({ action, type });
/** `server.authorize`'s action on an owned thread or run a route names by `:id` (widened inside a tenant). */
const onThread = (action: RouteAction['action']): RouteAction => ({
  action,
  type: 'thread',
  param: 'id',
  widens: THREAD,
});
const onRun = (action: RouteAction['action']): RouteAction => ({
  action,
  type: 'run',
  param: 'id',
  widens: RUN,
});
const onSchedule = (action: RouteAction['action']): RouteAction => ({
  action,
  type: 'schedule',
  param: 'id',
});
/** The route asks the hook itself, once it knows what the answer is to (the approval's tool). */
const answerAsked: RouteAction = { action: 'approval.answer', type: 'approval', askedByRoute: true };

/**
 * Every HTTP route of the gateway, in the order they are mounted (`mountRouteTable`): method,
 * path (under `server.prefix` unless `at: 'root'`), the area whose handlers serve it, who may
 * call it, the guards before it, the action it asks of `server.authorize`, and the body's schema
 * where it has one fixed schema (parsed before the handler). A route of an area that is off (A2A,
 * MCP, the playground, metrics) is not mounted. `test/route-table.test.ts` fails on a route the
 * app has that is not here; a session route without `authorize` is refused while
 * `server.authorize` is set.
 */
// One line per route, as the recipe says (CONTRIBUTING.md, "A route"): kept so by hand.
// prettier-ignore
export const GATEWAY_ROUTES: readonly GatewayRoute<RouteAreas>[] = [
  // Health: liveness and readiness are public; the circuits are the operator's.
  route({ method: 'GET', path: '/health', area: 'health', auth: 'public' }, (health) => health.live),
  route({ method: 'GET', path: '/health/live', area: 'health', auth: 'public' }, (health) => health.live),
  route({ method: 'GET', path: '/health/ready', area: 'health', auth: 'public' }, (health) => health.ready),
  // Budgets: the caller's spend (its tenant's with usage.read) and a scope's limit (budget.write).
  route({ method: 'GET', path: '/usage', area: 'usage', auth: 'session', authorize: { action: 'usage.read', type: 'usage', askedByRoute: true } }, (usage) => usage.usage),
  route({ method: 'PUT', path: '/budgets/:scope/:id', area: 'usage', auth: 'session', authorize: { action: 'budget.write', type: 'budget', askedByRoute: true } }, (usage) => usage.setBudget),
  route({ method: 'GET', path: '/health/details', area: 'health', auth: 'session', authorize: owned('health.read', 'health') }, (health) => health.details),
  // Sessions: opening one is public (counted per address); logout only takes its own rights away.
  route({ method: 'POST', path: '/chat/init', area: 'session', auth: 'public' }, (session) => session.init),
  route({ method: 'DELETE', path: '/chat/session', area: 'session', auth: 'public' }, (session) => session.logout),
  // Cancelling and answering runs, the inbox among them.
  route({ method: 'POST', path: '/chat/cancel', area: 'answers', auth: 'session', guards: ['store'], authorize: owned('run.cancel', 'run') }, (answers) => answers.cancel),
  routeWithBody({ method: 'POST', path: '/chat/tool-approval', area: 'answers', auth: 'session', guards: ['store'], authorize: owned('approval.answer', 'approval'), body: ToolApprovalBody }, (answers) => answers.answerApproval),
  routeWithBody({ method: 'POST', path: '/chat/tool-result', area: 'answers', auth: 'session', guards: ['store'], authorize: owned('tool.result', 'run'), body: ToolResultBody }, (answers) => answers.answerToolResult),
  routeWithBody({ method: 'POST', path: '/runs/:id/tool-approval', area: 'answers', auth: 'session', guards: ['store'], authorize: answerAsked, body: ToolApprovalBody }, (answers) => answers.answerApprovalOfRun),
  // The stream before `/approvals/:approval_id/...`, and beside the list it follows.
  route({ method: 'GET', path: '/approvals/stream', area: 'answers', auth: 'session', authorize: answerAsked }, (answers) => answers.inbox.stream),
  route({ method: 'GET', path: '/approvals', area: 'answers', auth: 'session', authorize: answerAsked }, (answers) => answers.inbox.list),
  route({ method: 'POST', path: '/approvals/:approval_id/answer', area: 'answers', auth: 'session', guards: ['store'], authorize: answerAsked }, (answers) => answers.inbox.answer),
  // Slack's buttons (with `server.approvals.slack`): signed by Slack, answered as the clicker's mapped principal.
  route({ method: 'POST', path: '/approvals/slack/actions', area: 'slack', auth: 'public' }, (slack) => slack.actions),
  // The native chat: the shutdown and session checks in the handler (one dispatch fewer per chat).
  route({ method: 'POST', path: '/chat', area: 'chat', auth: 'in-handler', authorize: owned('run.start', 'run') }, (chat) => chat.chat),
  route({ method: 'GET', path: '/chat/stream', area: 'chat', auth: 'session', authorize: owned('run.read', 'run') }, (chat) => chat.stream),
  // The frontend protocols.
  routeWithBody({ method: 'POST', path: '/ui/chat', area: 'uiChat', auth: 'session', guards: ['closing'], authorize: owned('run.start', 'run'), body: uiChatRequestSchema }, (uiChat) => uiChat.chat),
  route({ method: 'GET', path: '/ui/chat/:chatId/messages', area: 'uiChat', auth: 'session', authorize: { ...owned('thread.read', 'thread'), param: 'chatId' } }, (uiChat) => uiChat.messages),
  route({ method: 'GET', path: '/ui/chat/:chatId/stream', area: 'uiChat', auth: 'session', authorize: { ...owned('run.read', 'thread'), param: 'chatId' } }, (uiChat) => uiChat.stream),
  routeWithBody({ method: 'POST', path: '/ag-ui', area: 'agUi', auth: 'session', guards: ['closing'], authorize: owned('run.start', 'run'), body: runAgentInputSchema }, (agUi) => agUi.run),
  // Threads, and the runs and approvals of the record.
  route({ method: 'POST', path: '/threads', area: 'threads', auth: 'session', authorize: owned('thread.write', 'thread') }, (threads) => threads.create),
  route({ method: 'GET', path: '/threads', area: 'threads', auth: 'session', authorize: owned('thread.read', 'thread') }, (threads) => threads.list),
  route({ method: 'GET', path: '/threads/:id', area: 'threads', auth: 'session', authorize: onThread('thread.read') }, (threads) => threads.get),
  routeWithBody({ method: 'PATCH', path: '/threads/:id', area: 'threads', auth: 'session', authorize: onThread('thread.write'), body: UpdateThreadBody }, (threads) => threads.update),
  route({ method: 'DELETE', path: '/threads/:id', area: 'threads', auth: 'session', authorize: onThread('thread.delete') }, (threads) => threads.remove),
  route({ method: 'GET', path: '/threads/:id/runs', area: 'threads', auth: 'session', authorize: onThread('thread.read') }, (threads) => threads.listRuns),
  route({ method: 'GET', path: '/runs/:id', area: 'threads', auth: 'session', authorize: onRun('run.read') }, (threads) => threads.getRun),
  route({ method: 'GET', path: '/runs/:id/approvals', area: 'threads', auth: 'session', authorize: onRun('run.read') }, (threads) => threads.listRunApprovals),
  // Background runs (the work behind them runs in `background/`).
  routeWithBody({ method: 'POST', path: '/runs', area: 'runs', auth: 'session', guards: ['closing'], authorize: owned('run.start', 'run'), body: BackgroundRunBody }, (runs) => runs.start),
  route({ method: 'GET', path: '/runs', area: 'runs', auth: 'session', authorize: owned('run.read', 'run') }, (runs) => runs.list),
  route({ method: 'POST', path: '/runs/:id/cancel', area: 'runs', auth: 'session', authorize: { ...owned('run.cancel', 'run'), param: 'id' } }, (runs) => runs.cancel),
  // Schedules.
  routeWithBody({ method: 'POST', path: '/schedules', area: 'schedules', auth: 'session', authorize: owned('schedule.write', 'schedule'), body: CreateScheduleBody }, (schedules) => schedules.create),
  route({ method: 'GET', path: '/schedules', area: 'schedules', auth: 'session', authorize: owned('schedule.read', 'schedule') }, (schedules) => schedules.list),
  route({ method: 'GET', path: '/schedules/:id', area: 'schedules', auth: 'session', authorize: onSchedule('schedule.read') }, (schedules) => schedules.get),
  route({ method: 'GET', path: '/schedules/:id/fires', area: 'schedules', auth: 'session', authorize: onSchedule('schedule.read') }, (schedules) => schedules.listFires),
  routeWithBody({ method: 'PATCH', path: '/schedules/:id', area: 'schedules', auth: 'session', authorize: onSchedule('schedule.write'), body: UpdateScheduleBody }, (schedules) => schedules.update),
  route({ method: 'DELETE', path: '/schedules/:id', area: 'schedules', auth: 'session', authorize: onSchedule('schedule.delete') }, (schedules) => schedules.remove),
  // The agent protocols, each behind its own session check, and their well-known documents at the root.
  routeWithCheck({ method: 'POST', path: '/a2a', area: 'a2a', auth: 'own', guards: ['closing'], authorize: owned('a2a.call', 'a2a') }, (a2a) => a2a.call),
  route({ method: 'GET', path: AGENT_CARD_PATH, at: 'root', area: 'a2a', auth: 'public' }, (a2a) => a2a.agentCard),
  routeWithCheck({ method: ['GET', 'POST', 'DELETE'], path: '/mcp', area: 'mcp', auth: 'own', guards: ['closing'], authorize: owned('mcp.call', 'mcp') }, (mcp) => mcp.call),
  route({ method: 'GET', path: protectedResourcePath, at: 'root', area: 'mcp', auth: 'public' }, (mcp) => mcp.metadata),
  route({ method: 'GET', path: '/.well-known/oauth-protected-resource', at: 'root', area: 'mcp', auth: 'public' }, (mcp) => mcp.metadata),
  // The gateway's own pages (with `server.playground`) and the metrics (with `server.metrics`; the handler checks its token).
  route({ method: 'GET', path: '/', at: 'root', area: 'playground', auth: 'public' }, (pages) => pages.redirect),
  route({ method: 'GET', path: '/favicon.ico', at: 'root', area: 'playground', auth: 'public' }, (pages) => pages.favicon),
  route({ method: 'GET', path: PLAYGROUND_PATH, at: 'root', area: 'playground', auth: 'public' }, (pages) => pages.page),
  route({ method: 'GET', path: `${PLAYGROUND_PATH}/:file`, at: 'root', area: 'playground', auth: 'public' }, (pages) => pages.file),
  route({ method: 'GET', path: INBOX_PATH, at: 'root', area: 'inboxPage', auth: 'public' }, (page) => page.page),
  route({ method: 'GET', path: `${INBOX_PATH}/:file`, at: 'root', area: 'inboxPage', auth: 'public' }, (page) => page.file),
  route({ method: 'GET', path: METRICS_PATH, at: 'root', area: 'metrics', auth: 'public' }, (metrics) => metrics.read),
];

/** `server.authorize`'s action of each session route, by `METHOD /pattern` under the prefix. */
export const ROUTE_ACTIONS: Readonly<Record<string, RouteAction>> = Object.fromEntries(
  routeActionsOf(GATEWAY_ROUTES),
);
