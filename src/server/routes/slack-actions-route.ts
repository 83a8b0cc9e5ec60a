import type { ApprovalInboxStore, InboxApproval } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import type { Logger } from '../../core/logger.js';
import type { SlackApprovalsSettings } from '../contracts/approvals-option.js';
import type { RouteHandler } from '../http/route-handler.js';
import { approvalOutcomeBlocks, outcomeText } from '../slack/slack-approval-message.js';
import type { SlackClient } from '../slack/slack-client.js';
import { parseSlackApprovalClick, type SlackApprovalClick } from '../slack/slack-interaction.js';
import { checkSlackSignature } from '../slack/slack-signature.js';
import { createSlackUserSessions } from '../slack/slack-user-principal.js';
import type { AnsweringService } from '../pending-answers/answering-service.js';

/** The most bytes of an interactivity request read (Slack's payloads are a few KB). */
const MAX_SLACK_BODY_BYTES = 256 * 1024;

/** Runs a function with the database's approvals inbox (`withInbox` of the pending answers). */
export type WithInbox = <Result>(use: (inbox: ApprovalInboxStore) => Promise<Result>) => Promise<Result>;

/** What `createSlackActionsHandler` needs from the app. */
export interface SlackActionsOptions {
  settings: SlackApprovalsSettings;
  client: SlackClient;
  /** The answering service: a click is its `answerInboxItem`, as the inbox's answer is. */
  answers: Pick<AnsweringService, 'answerInboxItem'>;
  withInbox: WithInbox;
  /** `server.auth.jwt.issuer`, the issuer of mapped principals that name none. */
  defaultIssuer: string | undefined;
  logger: Logger;
  report: (error: unknown, where: string) => void;
  now: () => number;
}

/** Why a click was refused, as the clicking person reads it (only they see it). */
const refusalText = (status: number, body: Record<string, unknown>): string => {
  const code = typeof body['code'] === 'string' ? body['code'] : undefined;
  switch (code) {
    case 'distinct_approver_required':
      return 'You asked for this call yourself: another approver must answer it.';
    case 'already_answered':
      return 'This approval was already answered.';
    case 'approval_not_found':
      return 'You may not answer this approval (or it no longer waits).';
    default:
      return `Your answer was not taken (${status}${code === undefined ? '' : ` ${code}`}).`;
  }
};

/** The raw body, read up to a cap: the signature is over these exact bytes. */
async function rawBodyOf(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_SLACK_BODY_BYTES) throw HttpError.detail(413, 'Request body too large');
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > MAX_SLACK_BODY_BYTES) throw HttpError.detail(413, 'Request body too large');
  return body;
}

/**
 * `POST /approvals/slack/actions`, Slack's interactivity request URL for the approvals' buttons.
 * A request whose `v0` signature (over the raw body, with the signing secret) or timestamp (five
 * minutes) does not hold is refused with 401 and changes nothing. A signed click is answered as
 * the principal its Slack user maps to (`userMap`, by id or by e-mail), through the same answer
 * as the inbox's (the answering service's `answerInboxItem`: `server.authorize`, `requireDistinctApprover`, one
 * answer wins, the audit names the person and `slack`). The message then shows who answered; a
 * refused click (an unmapped user, a refusal, an approval answered elsewhere) gets a line only
 * the clicker sees, never silence.
 */
export function createSlackActionsHandler(options: SlackActionsOptions): RouteHandler {
  const { settings, client, report, now } = options;
  const sessionOf = createSlackUserSessions({
    userMap: settings.userMap,
    client,
    defaultIssuer: options.defaultIssuer,
    now,
  });

  /** Shows on the message how the approval ended (its answer as the inbox has it). */
  const showOutcome = async (
    click: SlackApprovalClick,
    approval: InboxApproval | undefined,
  ): Promise<void> => {
    if (click.message === undefined || approval?.answer === undefined) return;
    await client.update(
      click.message,
      outcomeText(approval.answer),
      approvalOutcomeBlocks(approval, approval.answer),
    );
  };

  const tell = (click: SlackApprovalClick, text: string): Promise<void> =>
    client.postEphemeral(click.message?.channel ?? settings.channel, click.userId, text);

  const answer = async (click: SlackApprovalClick): Promise<void> => {
    const session = await sessionOf(click.userId);
    if (session === undefined) {
      await tell(click, 'Your Slack account is not mapped to an approver of this gateway.');
      return;
    }
    try {
      const response = await options.answers.answerInboxItem(
        session,
        click.approvalId,
        { kind: 'tool_approval', approved: click.approved },
        'slack',
      );
      if (response.status !== 200 && response.status !== 202) {
        await tell(click, refusalText(response.status, response.body));
        return;
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      await tell(click, refusalText(error.status, error.body));
      // Answered elsewhere (the inbox, the API): the message says by whom.
      if (error.status !== 409) return;
    }
    await showOutcome(click, await options.withInbox((inbox) => inbox.get(click.approvalId)));
  };

  return async (c) => {
    const rawBody = await rawBodyOf(c.req.raw);
    const refusal = checkSlackSignature(
      settings.signingSecret,
      {
        timestamp: c.req.header('x-slack-request-timestamp'),
        signature: c.req.header('x-slack-signature'),
        rawBody,
      },
      now(),
    );
    if (refusal !== undefined) {
      options.logger.warn('slack request refused', { code: refusal });
      throw new HttpError(401, { detail: 'The request is not signed by Slack', code: refusal });
    }
    const click = parseSlackApprovalClick(new TextDecoder().decode(rawBody));
    // Other interactions of the app (a shortcut, a modal) are not the approvals' to answer.
    if (click === undefined) return c.body(null, 200);
    await answer(click).catch((error: unknown) => {
      report(error, `slack answer of approval ${click.approvalId}`);
      return tell(click, 'Your answer could not be taken now; try again or use the inbox.').catch(
        (failure: unknown) => report(failure, 'slack ephemeral reply'),
      );
    });
    return c.body(null, 200);
  };
}
