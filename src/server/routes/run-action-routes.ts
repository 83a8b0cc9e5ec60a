import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { SessionRecord } from '../../core/stores.js';
import { parseBody } from '../http/parse-body.js';
import type { SessionEnv } from '../http/session-middleware.js';
import { ToolApprovalBody, ToolResultBody } from '../contracts/request-schemas.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { createAnswerApprovalOfRun } from './answer-approval-of-run.js';
import { createAnswerClientToolOfInbox } from './answer-client-tool-of-inbox.js';
import { createAnswerInboxApproval, withInboxOf } from './answer-inbox-approval.js';
import { createApprovalRoutes } from './approval-routes.js';
import { createSlackClient } from '../slack/slack-client.js';
import { mountSlackActions } from './slack-actions-route.js';
import type { GatewayRouteDependencies, RouteBasics } from './gateway-routes.js';
import type { RunActions } from './run-actions.js';

/** `POST /chat/cancel`, `POST /chat/tool-approval` and `POST /chat/tool-result`. */
export function mountRunActionRoutes(
  routes: Hono<SessionEnv>,
  dependencies: GatewayRouteDependencies,
  basics: RouteBasics,
): RunActions {
  const { config, stores, runs, report, suspendedRuns, actions } = dependencies;
  const { refuseWhileStoreDown, requireSession } = basics;

  routes.post('/chat/cancel', refuseWhileStoreDown, requireSession, async (context) => {
    const { runId } = await actions.cancelRun(context.var.session);
    return context.json({ status: 'cancelled', run_id: runId });
  });

  /** `POST` of a client's answer to a pending answer: the body checked, then answered. */
  const answerRoute = <Schema extends z.ZodType>(
    path: string,
    schema: Schema,
    answer: (session: SessionRecord, body: z.output<Schema>) => Promise<SubmissionResponse>,
  ): void => {
    routes.post(path, refuseWhileStoreDown, requireSession, async (context) => {
      const body = parseBody(schema, await basics.readBody(context.req.raw));
      const response = await answer(context.var.session, body);
      return context.json(response.body, response.status as ContentfulStatusCode, response.headers);
    });
  };
  answerRoute('/chat/tool-approval', ToolApprovalBody, actions.answerApproval);
  answerRoute('/chat/tool-result', ToolResultBody, actions.answerToolResult);
  const answerApprovalOfRun = createAnswerApprovalOfRun({
    config,
    stores,
    runs,
    authorizer: basics.authorizer,
    report,
    ...(dependencies.answerOutbox === undefined ? {} : { answerOutbox: dependencies.answerOutbox }),
    ...(suspendedRuns === undefined ? {} : { suspendedRuns }),
  });
  routes.post('/runs/:id/tool-approval', refuseWhileStoreDown, requireSession, async (context) => {
    const body = parseBody(ToolApprovalBody, await basics.readBody(context.req.raw));
    const response = await answerApprovalOfRun(context.var.session, context.req.param('id'), body);
    return context.json(response.body, response.status as ContentfulStatusCode, response.headers);
  });
  const { authorizer, readBody } = basics;
  const inbox = { config, report, authorizer, requireSession, refuseWhileStoreDown, readBody };
  const answerClientToolOfInbox = createAnswerClientToolOfInbox({
    config,
    stores,
    authorizer,
    report,
    answerOutbox: dependencies.answerOutbox,
    suspendedRuns,
  });
  const withInbox = withInboxOf(config, report);
  const answerInboxApproval = createAnswerInboxApproval({
    authorizer,
    report,
    withInbox,
    answerApprovalOfRun,
    answerClientToolOfInbox,
    bus: stores.bus,
    now: Date.now,
  });
  routes.route('/', createApprovalRoutes({ ...inbox, answerInboxApproval, withInbox, bus: stores.bus }));
  const slack = config.approvals?.slack;
  if (slack !== undefined) {
    mountSlackActions(routes, {
      settings: slack,
      client: createSlackClient({ botToken: slack.botToken, apiUrl: slack.apiUrl, logger: config.logger }),
      answerInboxApproval,
      withInbox,
      defaultIssuer: config.auth?.jwt?.issuer,
      logger: config.logger,
      report,
      now: Date.now,
    });
  }
  return actions;
}
