import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { GatewayStores } from '../../core/stores.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolApprovalBody, ToolResultBody } from '../contracts/request-schemas.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { createApprovalHandlers, type ApprovalHandlers } from './approval-routes.js';
import type { BodyRouteHandler, RouteHandler } from '../http/route-handler.js';
import type { RunActions } from './run-actions.js';

/** What the routes that cancel and answer runs need (the `answers` area of the route table). */
export interface RunActionRouteContext {
  config: GatewayServerConfig;
  stores: GatewayStores;
  report: (error: unknown, where: string) => void;
  authorizer: RequestAuthorizer | undefined;
  /** Cancelling a session's run, and the answering service every answer goes through. */
  actions: RunActions;
  readBody: (request: Request) => Promise<unknown>;
}

/** The handlers of the routes that cancel and answer runs, the inbox's among them. */
export interface RunActionHandlers {
  cancel: RouteHandler;
  answerApproval: BodyRouteHandler<ToolApprovalBody>;
  answerToolResult: BodyRouteHandler<ToolResultBody>;
  answerApprovalOfRun: BodyRouteHandler<ToolApprovalBody>;
  /** `GET /approvals`, `GET /approvals/stream`, `POST /approvals/:approval_id/answer`. */
  inbox: ApprovalHandlers;
}

/** A submission's response as the route answers it. */
const respond = (
  context: Parameters<RouteHandler>[0],
  response: SubmissionResponse,
): ReturnType<RouteHandler> =>
  context.json(response.body, response.status as ContentfulStatusCode, response.headers);

/**
 * `POST /chat/cancel`, `POST /chat/tool-approval`, `POST /chat/tool-result`,
 * `POST /runs/:id/tool-approval` and the approvals inbox: the bodies are checked by the route
 * table; the answers are given by the answering service (`actions.answers`), the routes only
 * translate HTTP to its calls and back.
 */
export function createRunActionHandlers(context: RunActionRouteContext): RunActionHandlers {
  const { config, stores, report, authorizer, actions } = context;
  const { answers } = actions;
  return {
    cancel: async (c) => {
      const { runId } = await actions.cancelRun(c.var.session);
      return c.json({ status: 'cancelled', run_id: runId });
    },
    answerApproval: async (c, body) => respond(c, await answers.answerApproval(c.var.session, body)),
    answerToolResult: async (c, body) => respond(c, await answers.answerToolResult(c.var.session, body)),
    answerApprovalOfRun: async (c, body) =>
      respond(c, await answers.answerApprovalOfRun(c.var.session, c.req.param('id'), body)),
    inbox: createApprovalHandlers({
      config,
      report,
      authorizer,
      readBody: context.readBody,
      answers,
      bus: stores.bus,
    }),
  };
}
