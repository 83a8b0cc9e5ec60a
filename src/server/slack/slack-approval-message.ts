import type { InboxAnswer, InboxApproval } from '../../core/approval-inbox-store.js';
import type { ApproverPrincipal } from '../../core/thread-store.js';
import type { SlackBlock } from './slack-client.js';

/** The `action_id`s of the two buttons; their `value` is the approval's id. */
export const SLACK_APPROVE_ACTION = 'approval_approve';
export const SLACK_DENY_ACTION = 'approval_deny';

/** The most characters of a call's input shown (Slack caps a text object at 3 000). */
const MAX_INPUT_CHARS = 2_500;

/** Text as Slack's mrkdwn shows it literally: `&`, `<` and `>` escaped, as Slack asks. */
export const slackEscape = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A principal as people read it: `subject (tenant)`, or what asked when no one signed in. */
export const principalText = (principal: ApproverPrincipal | undefined, fallback = 'an API key'): string =>
  principal === undefined
    ? fallback
    : principal.tenant === undefined
      ? principal.subject
      : `${principal.subject} (${principal.tenant})`;

/** A time every reader sees in their own time zone, with the UTC text as the fallback. */
const slackTime = (ms: number): string =>
  `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;

/** The call's input, pretty-printed and cut to fit a block. */
const readableInput = (input: unknown): string => {
  const text = JSON.stringify(input, null, 2);
  const cut = text.length > MAX_INPUT_CHARS ? `${text.slice(0, MAX_INPUT_CHARS)}\n...` : text;
  // Three backticks inside would close the code block early.
  return `\`\`\`${slackEscape(cut).replaceAll('```', "'''")}\`\`\``;
};

/** What the approval asks: the tool, who asked, in which thread, until when, with what input. */
const requestBlocks = (approval: InboxApproval): SlackBlock[] => [
  {
    type: 'section',
    text: { type: 'mrkdwn', text: `*Approval needed:* \`${slackEscape(approval.toolName)}\`` },
  },
  {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: `*Requested by*\n${slackEscape(principalText(approval.requester.principal))}` },
      { type: 'mrkdwn', text: `*Thread*\n${slackEscape(approval.threadTitle ?? 'untitled')}` },
      { type: 'mrkdwn', text: `*Expires*\n${slackTime(approval.expiresAt)}` },
      { type: 'mrkdwn', text: `*Approval*\n\`${approval.approvalId}\`` },
    ],
  },
  { type: 'section', text: { type: 'mrkdwn', text: readableInput(approval.input) } },
];

/** The fallback text of a request (notifications, screen readers). */
export const requestText = (approval: InboxApproval): string =>
  `Approval needed: ${approval.toolName} requested by ${principalText(approval.requester.principal)}`;

/** The message posted for an approval: what it asks, and an Approve and a Deny button. */
export function approvalRequestBlocks(approval: InboxApproval): SlackBlock[] {
  return [
    ...requestBlocks(approval),
    {
      type: 'actions',
      block_id: 'approval',
      elements: [
        {
          type: 'button',
          action_id: SLACK_APPROVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: approval.approvalId,
        },
        {
          type: 'button',
          action_id: SLACK_DENY_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          value: approval.approvalId,
        },
      ],
    },
  ];
}

/** Where an answer was given, as the message says it. */
const SURFACE_TEXT: Record<NonNullable<InboxAnswer['surface']>, string> = {
  slack: 'in Slack',
  inbox: 'in the inbox',
  run_api: 'through the API',
  chat: 'in the chat',
};

/** How the approval ended, in one line of mrkdwn: who answered, where and when, or that it expired. */
export function outcomeText(answer: InboxAnswer): string {
  if (answer.decision === 'timed_out') return `Expired without an answer at ${slackTime(answer.answeredAt)}`;
  const verb =
    answer.decision === 'approved' ? 'Approved' : answer.decision === 'denied' ? 'Denied' : 'Answered';
  const who = slackEscape(principalText(answer.answeredBy?.principal, 'the requester'));
  const where = answer.surface === undefined ? '' : ` ${SURFACE_TEXT[answer.surface]}`;
  const reason = answer.reason === undefined ? '' : `: ${slackEscape(answer.reason)}`;
  return `${verb} by ${who}${where} at ${slackTime(answer.answeredAt)}${reason}`;
}

/** The message once the approval is answered or expired: what it asked, and how it ended; no buttons. */
export function approvalOutcomeBlocks(approval: InboxApproval, answer: InboxAnswer): SlackBlock[] {
  return [
    ...requestBlocks(approval),
    { type: 'section', text: { type: 'mrkdwn', text: outcomeText(answer) } },
  ];
}
