import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignatureOf } from '../../src/server/slack/slack-signature.js';

/** One call of Slack's Web API the stand-in received: the method and its arguments. */
export interface SlackCall {
  method: string;
  /** The arguments, with the JSON-encoded ones (`blocks`) parsed back. */
  args: Record<string, unknown>;
  authorization: string | undefined;
}

/** A stand-in of Slack's Web API on 127.0.0.1 that records every call. */
export interface SlackStandIn {
  /** `http://127.0.0.1:<port>/api/`, for `server.approvals.slack.apiUrl`. */
  readonly apiUrl: string;
  readonly calls: SlackCall[];
  /** The calls of one method, in order. */
  callsOf(method: string): SlackCall[];
  close(): Promise<void>;
}

/** Reads a request's arguments: Slack's client sends a form, whose object fields are JSON. */
const argumentsOf = (contentType: string, body: string): Record<string, unknown> => {
  if (contentType.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = value.startsWith('[') || value.startsWith('{') ? (JSON.parse(value) as unknown) : value;
  }
  return args;
};

/**
 * Starts a stand-in of the Web API methods the approvals use: `chat.postMessage` (answers a new
 * `ts` per message), `chat.update`, `chat.postEphemeral`, and `users.info` (answering the e-mail
 * `emails` gives the user, `users_not_found` for another).
 */
export async function startSlackStandIn(emails: Record<string, string> = {}): Promise<SlackStandIn> {
  const calls: SlackCall[] = [];
  let messages = 0;
  const answerOf = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'chat.postMessage':
        messages += 1;
        return { ok: true, channel: args['channel'], ts: `1700000000.${String(messages).padStart(6, '0')}` };
      case 'chat.update':
        return { ok: true, channel: args['channel'], ts: args['ts'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: '1700000001.000001' };
      case 'users.info': {
        const user = String(args['user']);
        const email = emails[user];
        return email === undefined
          ? { ok: false, error: 'user_not_found' }
          : { ok: true, user: { id: user, profile: { email } } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const args = argumentsOf(request.headers['content-type'] ?? '', Buffer.concat(chunks).toString('utf8'));
      calls.push({ method, args, authorization: request.headers.authorization });
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(answerOf(method, args)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    callsOf: (method) => calls.filter((call) => call.method === method),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What Slack sends when a person clicks a button of an approval's message. */
export interface SlackClickOptions {
  signingSecret: string;
  userId: string;
  approvalId: string;
  actionId: 'approval_approve' | 'approval_deny';
  channel: string;
  messageTs: string;
  /** Unix seconds the request is stamped with (default now). */
  timestamp?: number;
  /** Signs with this secret instead (a forger's). */
  signWith?: string;
}

/** A click as Slack's interactivity request carries it: a form with a `payload` of JSON, signed `v0`. */
export function slackClickRequest(options: SlackClickOptions): {
  body: string;
  headers: Record<string, string>;
} {
  const payload = {
    type: 'block_actions',
    user: { id: options.userId },
    channel: { id: options.channel },
    container: { type: 'message', channel_id: options.channel, message_ts: options.messageTs },
    message: { ts: options.messageTs },
    actions: [
      { action_id: options.actionId, block_id: 'approval', value: options.approvalId, type: 'button' },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = slackSignatureOf(
    options.signWith ?? options.signingSecret,
    timestamp,
    Buffer.from(body, 'utf8'),
  );
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
  };
}
