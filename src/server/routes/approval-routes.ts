import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApprovalInboxStore, InboxApproval } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import type { MessageBus, SessionRecord } from '../../core/stores.js';
import type { Page } from '../../core/thread-store.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ToolApprovalBody } from '../contracts/request-schemas.js';
import { ownerOfSession, tenantKeyOfSession } from '../contracts/session-owner.js';
import type { RouteHandler } from '../http/route-handler.js';
import type { SubmissionResponse } from '../pending-answers/claim-pending-submission.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { inboxAnswerOf } from '../threads/inbox-entry.js';
import { publishInboxChange } from '../threads/inbox-change-bus.js';
import { createApprovalStreamHandler } from './approval-stream.js';
import { parsePageQuery } from '../threads/thread-request-schemas.js';
import { parseListScope } from './tenant-thread-list.js';
import {
  approvalNotFound,
  approvalToInboxWire,
  inboxUnavailable,
  parseInboxStatus,
} from './approval-wire.js';
import { maySeeApproval } from './approval-visibility.js';
import { answererOf } from './answer-approval-of-run.js';
import type { AnswerClientToolOfInbox } from './answer-client-tool-of-inbox.js';
import { answerDoesNotFitKind, parseInboxAnswer } from './inbox-answer-body.js';

/** Pages of the store read to fill one page of a tenant's list the hook thins out. */
const MAX_PAGES_PER_LIST = 5;

/** What the inbox routes need from the app. */
export interface ApprovalRoutesOptions {
  config: GatewayServerConfig;
  report: (error: unknown, where: string) => void;
  authorizer: RequestAuthorizer | undefined;
  readBody: (request: Request) => Promise<unknown>;
  /** `POST /runs/:id/tool-approval`'s answer, which this route gives by approval id. */
  answerApprovalOfRun: (
    session: SessionRecord,
    runId: string,
    body: ToolApprovalBody,
    askingSessionId?: string,
  ) => Promise<SubmissionResponse>;
  /** A client-side tool's result given from the inbox (`client_tool_result`). */
  answerClientToolOfInbox: AnswerClientToolOfInbox;
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
 * `POST /approvals/:approval_id/answer` answers one wherever it waits, an approval through the
 * answer of `POST /runs/:id/tool-approval` (one answer wins, `requireDistinctApprover`, the hook,
 * the audit), a client tool's result through `answerClientToolOfInbox`; a body of the other
 * kind is a 422. What the caller may not see answers 404, like an id never given.
 */
export function createApprovalHandlers(options: ApprovalRoutesOptions): ApprovalHandlers {
  const { config, report, authorizer } = options;
  const now = options.now ?? Date.now;
  const withInbox = <Result>(run: (inbox: ApprovalInboxStore) => Promise<Result>): Promise<Result> =>
    callThreadStore(config.database, report, async (_store, stores) => {
      if (stores.approvals === undefined) throw inboxUnavailable();
      return run(stores.approvals);
    });

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
    const session = c.var.session;
    const body = parseInboxAnswer(await options.readBody(c.req.raw));
    const approvalId = c.req.param('approval_id');
    const approval = /^apr_[0-9a-f]{32}$/.test(approvalId)
      ? await withInbox((inbox) => inbox.get(approvalId))
      : undefined;
    if (approval === undefined) throw approvalNotFound();
    if (approval.answer !== undefined || body.kind !== approval.kind) {
      if (!(await maySeeApproval(session, approval, authorizer))) throw approvalNotFound();
      if (approval.answer !== undefined)
        throw new HttpError(409, { detail: 'Approval already submitted', code: 'already_answered' });
      throw answerDoesNotFitKind(approval.kind);
    }
    let response: SubmissionResponse;
    try {
      response =
        body.kind === 'client_tool_result'
          ? await options.answerClientToolOfInbox(session, approval, body)
          : await options.answerApprovalOfRun(
              session,
              approval.runId,
              {
                tool_call_id: approval.toolCallId,
                nonce: approval.nonce,
                approved: body.approved,
                allow_tool_type: false,
                ...(body.reason === undefined ? {} : { reason: body.reason }),
              },
              approval.sessionId,
            );
    } catch (error) {
      // "Run not found": not the caller's to see, or no longer waiting anywhere.
      if (error instanceof HttpError && error.status === 404) throw approvalNotFound();
      throw error;
    }
    if (response.status === 200) {
      const given = inboxAnswerOf(
        body.kind === 'client_tool_result'
          ? { approved: true, answeredBy: answererOf(session) }
          : {
              approved: body.approved,
              answeredBy: answererOf(session),
              ...(body.reason === undefined ? {} : { reason: body.reason }),
            },
        session,
        now(),
      );
      const answer = body.kind === 'client_tool_result' ? { ...given, decision: 'answered' as const } : given;
      // The run settles it too once it has the answer; whichever is first writes the audit.
      const settled = await withInbox((inbox) => inbox.settle(approval.approvalId, answer)).catch(
        (error: unknown) => {
          report(error, `settling approval ${approval.approvalId} in the inbox`);
          return false;
        },
      );
      if (settled) publishInboxChange(options.bus, { type: 'settled', approval, answer }, report);
    }
    const answered =
      response.status === 200 ? { ...response.body, approval_id: approval.approvalId } : response.body;
    return c.json(answered, response.status as ContentfulStatusCode, response.headers);
  };
  return { list, stream, answer };
}
