import { HOOK_ISSUER } from '../../core/principal.js';
import type { SessionRecord } from '../../core/stores.js';
import type {
  SlackApprovalsSettings,
  SlackPrincipalSetting,
  SlackUser,
} from '../contracts/approvals-option.js';
import { identityOfPrincipal } from '../sessions/principal-session.js';
import type { SlackClient } from './slack-client.js';

/** How long the session of one click lives, in seconds: it answers one approval and is dropped. */
const CLICK_SESSION_SECONDS = 60;

/** Options of `createSlackUserSessions`. */
export interface SlackUserSessionsOptions {
  userMap: SlackApprovalsSettings['userMap'];
  client: SlackClient;
  /** The issuer of a mapped principal that names none: `server.auth.jwt.issuer`'s, else the hook's. */
  defaultIssuer: string | undefined;
  now: () => number;
}

/** The session a Slack user answers in, or undefined for a user no one mapped. */
export type SlackUserSession = (userId: string) => Promise<SessionRecord | undefined>;

/** The principal `userMap` gives `user`: by Slack user id, else by the e-mail `users.info` gives. */
async function mappedPrincipal(
  options: SlackUserSessionsOptions,
  userId: string,
): Promise<SlackPrincipalSetting | undefined> {
  const { userMap, client } = options;
  if (userMap === undefined) return undefined;
  if (typeof userMap !== 'function') {
    const byId = userMap[userId];
    if (byId !== undefined) return byId;
  }
  const email = await client.emailOf(userId);
  if (typeof userMap === 'function') {
    const user: SlackUser = { id: userId, ...(email === undefined ? {} : { email }) };
    return userMap(user);
  }
  return email === undefined ? undefined : (userMap[email.toLowerCase()] ?? userMap[email]);
}

/**
 * Maps the Slack user of a click to the principal it answers as (`server.approvals.slack.userMap`:
 * by Slack user id, or by the e-mail Slack's `users.info` gives), and gives the session that
 * principal answers in: the same session a bearer token of that principal would use, so
 * `server.authorize`, `requireDistinctApprover` and the audit see the person, never the bot.
 */
export function createSlackUserSessions(options: SlackUserSessionsOptions): SlackUserSession {
  return async (userId) => {
    const mapped = await mappedPrincipal(options, userId);
    if (mapped === undefined) return undefined;
    const principal = {
      subject: mapped.subject,
      ...(mapped.tenant === undefined ? {} : { tenant: mapped.tenant }),
      issuer: mapped.issuer ?? options.defaultIssuer ?? HOOK_ISSUER,
      scopes: [...(mapped.scopes ?? [])],
      claims: { slack_user_id: userId },
    };
    const nowSeconds = Math.floor(options.now() / 1000);
    return {
      ...identityOfPrincipal(principal),
      createdAt: nowSeconds,
      expiresAt: nowSeconds + CLICK_SESSION_SECONDS,
      approvedToolTypes: [],
    };
  };
}
