import type { KnownBlock, WebClient } from '@slack/web-api';
import type { Logger } from '../../core/logger.js';

/** A block of Slack's Block Kit, as the message builders write it (a type only: nothing loads). */
export type SlackBlock = KnownBlock;

/** Where a posted message is: its channel and its `ts` (Slack's id of a message). */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/**
 * The calls of Slack's Web API the approvals use, through Slack's official client
 * (`@slack/web-api`). Every call rejects on an error of Slack's (`ok: false`) or of the network.
 */
export interface SlackClient {
  /** `chat.postMessage`: the message's place, to update it later. */
  postMessage(channel: string, text: string, blocks: SlackBlock[]): Promise<SlackMessageRef>;
  /** `chat.update`: replaces a posted message's text and blocks. */
  update(message: SlackMessageRef, text: string, blocks: SlackBlock[]): Promise<void>;
  /** `chat.postEphemeral`: a line only `user` sees in `channel`. */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** `users.info`: the user's e-mail, when Slack gives it (`users:read.email`). */
  emailOf(user: string): Promise<string | undefined>;
}

/** Options of `createSlackClient`. */
export interface SlackClientOptions {
  botToken: string;
  /** Slack's Web API base URL; default Slack's own. */
  apiUrl?: string | undefined;
  logger: Logger;
}

/** Slack's logger interface, written to the gateway's logger (warnings and errors only). */
const slackLoggerOf = (logger: Logger) => {
  const text = (parts: unknown[]): string => parts.map(String).join(' ');
  return {
    debug: (): void => {},
    info: (): void => {},
    warn: (...parts: unknown[]): void => logger.warn('slack client', { detail: text(parts) }),
    error: (...parts: unknown[]): void => logger.error('slack client', { detail: text(parts) }),
    setLevel: (): void => {},
    getLevel: () => 'warn' as never,
    setName: (): void => {},
  };
};

/**
 * Slack's Web API client for the approvals: `@slack/web-api`'s `WebClient`, loaded when first
 * used (a gateway without Slack never loads it), with its base URL configurable so that tests
 * talk to a stand-in on loopback. Retries twice at most: a click waits for it.
 */
export function createSlackClient(options: SlackClientOptions): SlackClient {
  let client: Promise<WebClient> | undefined;
  const web = (): Promise<WebClient> =>
    (client ??= import('@slack/web-api').then(
      ({ WebClient }) =>
        new WebClient(options.botToken, {
          ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
          logger: slackLoggerOf(options.logger),
          retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1_000 },
          timeout: 10_000,
        }),
    ));
  return {
    async postMessage(channel, text, blocks) {
      const posted = await (await web()).chat.postMessage({ channel, text, blocks });
      if (posted.ts === undefined) throw new Error('chat.postMessage answered without a ts');
      return { channel: posted.channel ?? channel, ts: posted.ts };
    },
    async update(message, text, blocks) {
      await (await web()).chat.update({ channel: message.channel, ts: message.ts, text, blocks });
    },
    async postEphemeral(channel, user, text) {
      await (await web()).chat.postEphemeral({ channel, user, text });
    },
    async emailOf(user) {
      const info = await (await web()).users.info({ user });
      return info.user?.profile?.email;
    },
  };
}
