import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { SessionRecord } from '../../core/stores.js';
import { parseBody } from '../http/parse-body.js';
import type { SessionEnv } from '../http/session-middleware.js';
import { ToolApprovalBody, ToolResultBody } from '../contracts/request-schemas.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { createApprovalRoutes } from './approval-routes.js';
import type { GatewayRouteDependencies, RouteBasics } from './gateway-routes.js';
import type { RunActions } from './run-actions.js';

/** `POST /chat/cancel`, `POST /chat/tool-approval` and `POST /chat/tool-result`. */
export function mountRunActionRoutes(
  routes: Hono<SessionEnv>,
  dependencies: GatewayRouteDependencies,
  basics: RouteBasics,
): RunActions {
  const { config, stores, report, actions } = dependencies;
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
  answerRoute('/chat/tool-approval', ToolApprovalBody, actions.answers.answerApproval);
  answerRoute('/chat/tool-result', ToolResultBody, actions.answers.answerToolResult);
  routes.post('/runs/:id/tool-approval', refuseWhileStoreDown, requireSession, async (context) => {
    const body = parseBody(ToolApprovalBody, await basics.readBody(context.req.raw));
    const response = await actions.answers.answerApprovalOfRun(
      context.var.session,
      context.req.param('id'),
      body,
    );
    return context.json(response.body, response.status as ContentfulStatusCode, response.headers);
  });
  const { authorizer, readBody } = basics;
  const inbox = { config, report, authorizer, requireSession, refuseWhileStoreDown, readBody };
  routes.route('/', createApprovalRoutes({ ...inbox, answers: actions.answers, bus: stores.bus }));
  return actions;
}
