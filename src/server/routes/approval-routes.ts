import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApprovalInboxStore, InboxApproval } from '../../core/approval-inbox-store.js';
import type { MessageBus } from '../../core/stores.js';
import type { Page } from '../../core/thread-store.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { ownerOfSession, tenantKeyOfSession } from '../contracts/session-owner.js';
import type { RouteHandler } from '../http/route-handler.js';
import { withInbox as withInboxOf } from '../pending-answers/with-inbox.js';
import type { AnsweringService } from '../pending-answers/answering-service.js';
import { maySeeApproval } from '../pending-answers/approval-visibility.js';
import { createApprovalStreamHandler } from './approval-stream.js';
import { parsePageQuery } from '../threads/thread-request-schemas.js';
import { parseListScope } from './tenant-thread-list.js';
import { approvalToInboxWire, parseInboxStatus } from './approval-wire.js';
import { parseInboxAnswer } from './inbox-answer-body.js';
import { systemNow } from '../contracts/system-clock.js';

/** Pages of the store read to fill one page of a tenant's list the hook thins out. */
const MAX_PAGES_PER_LIST = 5;

/** What the inbox routes need from the app. */
export interface ApprovalRoutesOptions {
  config: GatewayServerConfig;
  report: (error: unknown, where: string) => void;
  authorizer: RequestAuthorizer | undefined;
  readBody: (request: Request) => Promise<unknown>;
  /** The app's answering service: `POST /approvals/:approval_id/answer` is its `answerInboxItem`. */
  answers: Pick<AnsweringService, 'answerInboxItem'>;
  /** Carries the inbox's changes between instances (`GET /approvals/stream`). */
  bus: MessageBus;
  now?: () => number;
}

/** The handlers of the inbox's routes. */
export interface ApprovalHandlers {
  list: RouteHandler;
  stream: RouteHandler;
  answer: RouteHandler;
}

/**
 * The approvals inbox (relative to the prefix): `GET /approvals` lists the pending (or, with
 * `status=answered`, the answered) answers the caller may give, its own runs' and, with
 * `scope=tenant`, those of its tenant that `server.authorize` allows it the kind's action on
 * (`approval.answer` for a `tool_approval`, `client_tool.answer` for a `client_tool_result`);
 * `POST /approvals/:approval_id/answer` reads the body and hands it to the answering service
 * (`answerInboxItem`: where it waits, who may answer, the audit). What the caller may not see
 * answers 404, like an id never given.
 */
export function createApprovalHandlers(options: ApprovalRoutesOptions): ApprovalHandlers {
  const { config, report, authorizer } = options;
  const now = options.now ?? systemNow;
  const withInbox = <Result>(use: (inbox: ApprovalInboxStore) => Promise<Result>): Promise<Result> =>
    withInboxOf({ config, report }, use);

  const stream = createApprovalStreamHandler({
    config,
    bus: options.bus,
    authorizer,
    withInbox,
    report,
    now,
  });

  const list: RouteHandler = async (c) => {
    const session = c.var.session;
    const page = parsePageQuery({ limit: c.req.query('limit'), cursor: c.req.query('cursor') });
    const scope = parseListScope(c.req.query('scope'));
    const status = parseInboxStatus(c.req.query('status'));
    const tenantKey =
      scope === 'tenant' && authorizer !== undefined ? tenantKeyOfSession(session) : undefined;
    const owner = ownerOfSession(session);
    const items: InboxApproval[] = [];
    let cursor = page.cursor;
    for (let round = 0; round < MAX_PAGES_PER_LIST && items.length < page.limit; round += 1) {
      const query = {
        owner,
        status,
        limit: page.limit - items.length,
        now: now(),
        ...(tenantKey === undefined ? {} : { tenantKey }),
        ...(cursor === undefined ? {} : { cursor }),
      };
      const listed: Page<InboxApproval> = await withInbox((inbox) => inbox.list(query));
      for (const approval of listed.items) {
        if (await maySeeApproval(session, approval, authorizer)) items.push(approval);
      }
      cursor = listed.nextCursor;
      if (cursor === undefined) break;
    }
    return c.json({ approvals: items.map(approvalToInboxWire), next_cursor: cursor ?? null });
  };

  const answer: RouteHandler = async (c) => {
    const body = parseInboxAnswer(await options.readBody(c.req.raw));
    const response = await options.answers.answerInboxItem(c.var.session, c.req.param('approval_id'), body);
    return c.json(response.body, response.status as ContentfulStatusCode, response.headers);
  };
  return { list, stream, answer };
}
