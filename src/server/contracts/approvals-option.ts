import { z } from 'zod';
import { callable, positiveNumber } from '../../agent-spec/parse-spec.js';

/** The principal a Slack user answers as: whom `server.authorize` and the audit see. */
export const slackPrincipalSchema = z.strictObject({
  /** The principal's subject at its issuer (as its tokens' `sub` say it). */
  subject: z.string().min(1),
  /** Its tenant: an approver answers only its own tenant's runs. */
  tenant: z.string().min(1).optional(),
  /** Its issuer; default: `server.auth.jwt.issuer`, else `authenticate` (the app's own hook). */
  issuer: z.string().min(1).optional(),
  /** The scopes `server.authorize` sees (an approver role, for example). */
  scopes: z.array(z.string()).default([]),
});

/** A Slack user's principal as `userMap` gives it. */
export type SlackPrincipalSetting = z.input<typeof slackPrincipalSchema>;

/** The Slack user a click came from, as `userMap` (a function) is asked about it. */
export interface SlackUser {
  /** Slack's user id (`U...`). */
  id: string;
  /** The user's e-mail as Slack's `users.info` gives it (needs the `users:read.email` scope). */
  email?: string;
}

/**
 * `server.approvals.slack`: approvals posted to a Slack channel with Approve and Deny buttons,
 * answered through `POST /api/approvals/slack/actions` (Slack's interactivity request URL).
 */
export const slackApprovalsSchema = z.strictObject({
  /** The bot's token (`xoxb-...`), with `chat:write` (and `users:read.email` to map by e-mail). */
  botToken: z.string().min(1),
  /** The app's signing secret: every click is checked against it (and refused without it). */
  signingSecret: z.string().min(1),
  /** The channel id (`C...`) approvals are posted to. */
  channel: z.string().min(1),
  /**
   * Who a Slack user answers as: a table keyed by Slack user id or by e-mail address (the
   * e-mail `users.info` gives), or a function of the user. A user it does not name is refused.
   */
  userMap: z
    .union([
      z.record(z.string(), slackPrincipalSchema),
      callable<
        (user: SlackUser) => SlackPrincipalSetting | undefined | Promise<SlackPrincipalSetting | undefined>
      >('a table of Slack user ids or e-mails to principals, or a function of the Slack user'),
    ])
    .optional(),
  /** Slack's Web API base URL (default `https://slack.com/api/`); tests point it at a stand-in. */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** How often the posting instance looks for its messages' approvals that expired, in ms (60 000). */
  expirySweepMs: positiveNumber().default(60_000),
});

/** `server.approvals.slack` as its schema outputs it. */
export type SlackApprovalsSettings = z.output<typeof slackApprovalsSchema>;

/** `server.approvals`: where approvals are sent besides the inbox. */
export const approvalsOptionSchema = z.strictObject({
  slack: slackApprovalsSchema.optional(),
});
